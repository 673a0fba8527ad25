using Azure.Storage.Blobs;
using Vault.Offsite;
using Vault.Offsite.Stores;
using Vault.Tests.Shared;

namespace Vault.Offsite.Tests;

/// <summary>One s3rver and one Azurite for the collection, each with a bucket/container, and stores on them.</summary>
public sealed class ObjectStoresFixture : IAsyncLifetime
{
    public const string Bucket = "vault-test";

    private readonly string _root = Directory.CreateTempSubdirectory("vault-offsite-").FullName;

    public ObjectStoreServer S3 { get; private set; } = null!;

    public ObjectStoreServer Azure { get; private set; } = null!;

    public string Root => _root;

    public async Task InitializeAsync()
    {
        var s3 = ObjectStoreServer.StartAsync("s3", Path.Combine(_root, "s3"), FreePort(), Bucket);
        var azure = ObjectStoreServer.StartAsync("azure", Path.Combine(_root, "azure"), FreePort());
        S3 = await s3;
        Azure = await azure;
        await new BlobContainerClient(Azure.AzureConnectionString(), Bucket).CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync()
    {
        await S3.DisposeAsync();
        await Azure.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A store of <paramref name="kind"/> under a fresh prefix (each test its own corner of the bucket).</summary>
    public IOffsiteStore Store(string kind, string prefix, int retentionDays = 0) =>
        OffsiteStoreFactory.Create(kind, Target(kind, prefix, retentionDays));

    public OffsiteTargetOptions Target(string kind, string prefix, int retentionDays = 0, string? azureKey = null, int? s3Port = null) => kind switch
    {
        "s3" => new OffsiteTargetOptions
        {
            Kind = OffsiteTargetKind.S3,
            Endpoint = $"http://127.0.0.1:{s3Port ?? S3.Port}",
            Bucket = Bucket,
            PathStyle = true,
            Prefix = prefix,
            AccessKeyIdFile = Secret("S3RVER"),
            SecretAccessKeyFile = Secret("S3RVER"),
            MultipartThreshold = 5L * 1024 * 1024,
            PartSize = 5L * 1024 * 1024,
            RetentionDays = retentionDays,
        },
        _ => new OffsiteTargetOptions
        {
            Kind = OffsiteTargetKind.AzureBlob,
            Container = Bucket,
            Prefix = prefix,
            ConnectionStringFile = Secret(Azure.AzureConnectionString(azureKey ?? ObjectStoreServer.AzuriteKey)),
            RetentionDays = retentionDays,
        },
    };

    public string Secret(string value)
    {
        var path = Path.Combine(_root, "secret-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, value + "\n");
        return path;
    }

    private static int _next = 24000 + (Environment.ProcessId % 40) * 100;

    public static int FreePort()
    {
        while (true)
        {
            var port = Interlocked.Increment(ref _next);
            try
            {
                using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ObjectStoresCollection : ICollectionFixture<ObjectStoresFixture>
{
    public const string Name = "object stores";
}
