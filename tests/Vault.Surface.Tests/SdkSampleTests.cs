using Microsoft.Extensions.DependencyInjection;
using Vault.Client;
using Vault.V1;

namespace Vault.Surface.Tests;

/// <summary>The sample of docs/sdk.md, compiled and run against a gateway so that it cannot rot.</summary>
public sealed class SdkSampleTests
{
    // ---- docs/sdk.md sample: begin ----
    public static async Task<string> BackUpAndReadBackAsync(Uri gateway, string? token, Stream source, Stream destination, CancellationToken cancellationToken = default)
    {
        var services = new ServiceCollection();
        services.AddVaultClient(gateway, options => options.Token = token);
        await using var provider = services.BuildServiceProvider();
        var vault = provider.GetRequiredService<VaultClient>();

        // Upload a stream (a database dump, an archive...): read as fast as the node stores it.
        Snapshot snapshot = await vault.BackupStreamAsync(source, "db.sql", ["nightly"], cancellationToken: cancellationToken);

        // Start a file backup and follow it to the end.
        Job job = await vault.StartBackupAsync(new StartBackupRequest { Paths = { "/srv/data" }, Tags = { "daily" } }, cancellationToken);
        await foreach (var progress in vault.WatchJobAsync(job.Id, cancellationToken: cancellationToken))
        {
            Console.WriteLine($"{progress.State}: {progress.Progress?.BytesDone} bytes");
        }

        // Read the streamed file back, chunk by chunk, verified by the node.
        long bytes = await vault.DumpAsync(snapshot.Id, "/db.sql", destination, cancellationToken);

        try
        {
            await vault.GetSnapshotAsync("no-such-snapshot", cancellationToken);
        }
        catch (VaultClientException e) when (e.StatusCode == Grpc.Core.StatusCode.InvalidArgument || e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            Console.WriteLine($"as expected: {e.Message}");
        }

        return $"{snapshot.ShortId}: {bytes} bytes";
    }
    // ---- docs/sdk.md sample: end ----

    [Fact]
    public async Task Sample_RunsAgainstAGateway()
    {
        await using var host = await GatewayHost.StartAsync();
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(3).NextBytes(data);
        var back = new MemoryStream();
        var summary = await BackUpAndReadBackAsync(host.GrpcAddress, null, new MemoryStream(data), back);
        Assert.EndsWith($": {data.Length} bytes", summary);
        Assert.Equal(data, back.ToArray());
    }
}
