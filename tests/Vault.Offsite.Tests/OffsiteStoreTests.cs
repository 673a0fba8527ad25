using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Vault.Offsite.Stores;

namespace Vault.Offsite.Tests;

[Collection(ObjectStoresCollection.Name)]
public sealed class OffsiteStoreTests(ObjectStoresFixture fixture)
{
    public static TheoryData<string> Kinds => ["s3", "azure"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task PutGetListDelete_SmallAndMultipartObjects_RoundTripWithHashes(string kind)
    {
        var prefix = $"rt-{Guid.NewGuid():N}";
        var store = fixture.Store(kind, prefix);
        var small = RandomNumberGenerator.GetBytes(1000);
        var large = RandomNumberGenerator.GetBytes(12 * 1024 * 1024 + 17); // above the 5 MiB threshold: 3 parts on S3

        await store.PutAsync("packs/aa/one", small, null, CancellationToken.None);
        await store.PutAsync("packs/bb/two", large, null, CancellationToken.None);
        await store.PutAsync("config.json", "{}"u8.ToArray(), null, CancellationToken.None);

        Assert.Equal(small, await store.GetAsync("packs/aa/one", CancellationToken.None));
        Assert.Equal(large, await store.GetAsync("packs/bb/two", CancellationToken.None));
        var head = await store.HeadAsync("packs/bb/two", CancellationToken.None);
        Assert.Equal(large.Length, head!.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(large)), head.Sha256);
        Assert.Null(await store.GetAsync("packs/cc/missing", CancellationToken.None));

        var keys = new List<string>();
        await foreach (var k in store.ListAsync("packs/", CancellationToken.None))
        {
            keys.Add(k);
        }

        Assert.Equal(["packs/aa/one", "packs/bb/two"], keys.Order());
        Assert.True(await store.DeleteAsync("packs/aa/one", DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.False(await store.DeleteAsync("packs/aa/one", DateTimeOffset.UtcNow, CancellationToken.None));
        await store.ProbeAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Get_BitFlippedOrTruncatedObject_NamedCorruption(string kind)
    {
        var prefix = $"rot-{Guid.NewGuid():N}";
        var store = fixture.Store(kind, prefix);
        var bytes = RandomNumberGenerator.GetBytes(64 * 1024);
        await store.PutAsync("packs/ab/flipped", bytes, null, CancellationToken.None);
        await store.PutAsync("packs/ab/truncated", bytes, null, CancellationToken.None);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));

        // What rot or tampering at rest leaves: other bytes under the recorded hash.
        var flipped = (byte[])bytes.Clone();
        flipped[12345] ^= 0x10;
        await ReplaceRawAsync(kind, $"{prefix}/packs/ab/flipped", flipped, sha);
        await ReplaceRawAsync(kind, $"{prefix}/packs/ab/truncated", bytes[..40000], sha);

        var e1 = await Assert.ThrowsAsync<OffsiteCorruptException>(() => store.GetAsync("packs/ab/flipped", CancellationToken.None));
        Assert.Equal("packs/ab/flipped", e1.Key);
        Assert.Contains("SHA-256", e1.Message);
        var e2 = await Assert.ThrowsAsync<OffsiteCorruptException>(() => store.GetAsync("packs/ab/truncated", CancellationToken.None));
        Assert.Contains("packs/ab/truncated", e2.Message);

        // Uploading the good copy again repairs it.
        await store.PutAsync("packs/ab/flipped", bytes, null, CancellationToken.None);
        Assert.Equal(bytes, await store.GetAsync("packs/ab/flipped", CancellationToken.None));
    }

    [Fact]
    public async Task Probe_WrongAzureKey_AccessDeniedNamesTheSetting()
    {
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var store = OffsiteStoreFactory.Create("azure-wrong", fixture.Target("azure", "x", azureKey: wrongKey));

        var e = await Assert.ThrowsAsync<OffsiteException>(() => store.ProbeAsync(CancellationToken.None));
        Assert.Contains("target 'azure-wrong'", e.Message);
        Assert.Contains("access denied (403", e.Message);
        Assert.Contains("ConnectionStringFile", e.Message);
        await Assert.ThrowsAsync<OffsiteException>(() => store.PutAsync("config.json", new byte[10], null, CancellationToken.None));
    }

    [Fact]
    public async Task Probe_S3StoreDown_ClearError()
    {
        var store = OffsiteStoreFactory.Create("s3-down", fixture.Target("s3", "x", s3Port: ObjectStoresFixture.FreePort()));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => store.ProbeAsync(CancellationToken.None));
        Assert.Contains("target 's3-down'", e.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Delete_UnderRetention_RefusedUntilTheDate(string kind)
    {
        var store = fixture.Store(kind, $"lock-{Guid.NewGuid():N}", retentionDays: 30);
        var until = DateTimeOffset.UtcNow.AddDays(30);
        await store.PutAsync("packs/cd/locked", new byte[100], until, CancellationToken.None);

        var e = await Assert.ThrowsAsync<OffsiteRetainedException>(() => store.DeleteAsync("packs/cd/locked", DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(until.ToUnixTimeSeconds(), e.RetainUntil.ToUnixTimeSeconds());
        Assert.NotNull(await store.HeadAsync("packs/cd/locked", CancellationToken.None));

        Assert.True(await store.DeleteAsync("packs/cd/locked", until.AddSeconds(1), CancellationToken.None));
    }

    private async Task ReplaceRawAsync(string kind, string key, byte[] bytes, string sha)
    {
        if (kind == "s3")
        {
            using var client = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
            {
                ServiceURL = fixture.S3.Endpoint,
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            });
            var request = new PutObjectRequest { BucketName = ObjectStoresFixture.Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false };
            request.Metadata.Add("sha256", sha);
            await client.PutObjectAsync(request);
        }
        else
        {
            var blob = new BlobContainerClient(fixture.Azure.AzureConnectionString(), ObjectStoresFixture.Bucket).GetBlobClient(key);
            await blob.UploadAsync(new BinaryData(bytes), new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["sha256"] = sha } });
        }
    }
}
