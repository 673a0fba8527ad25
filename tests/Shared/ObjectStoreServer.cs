using System.Diagnostics;

namespace Vault.Tests.Shared;

/// <summary>
/// A real local object store (s3rver or Azurite) on 127.0.0.1, started and stopped through
/// infra/scripts/objectstores.sh (which installs the pinned npm packages on first use).
/// </summary>
public sealed class ObjectStoreServer : IAsyncDisposable
{
    /// <summary>Azurite's published development account (the emulator's well-known key, not a secret).</summary>
    public const string AzuriteAccount = "devstoreaccount1";
    public const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private ObjectStoreServer(string kind, string directory, int port)
    {
        Kind = kind;
        Directory = directory;
        Port = port;
    }

    public string Kind { get; }

    public string Directory { get; }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public string AzureConnectionString(string key = AzuriteKey) =>
        $"DefaultEndpointsProtocol=http;AccountName={AzuriteAccount};AccountKey={key};BlobEndpoint=http://127.0.0.1:{Port}/{AzuriteAccount};";

    /// <summary>Starts "s3" (with <paramref name="bucket"/>) or "azure" on <paramref name="port"/>; fails naming what went wrong.</summary>
    public static async Task<ObjectStoreServer> StartAsync(string kind, string directory, int port, string? bucket = null)
    {
        var server = new ObjectStoreServer(kind, directory, port);
        await server.StartAgainAsync(bucket);
        return server;
    }

    /// <summary>Starts the server again on the same port and data (after <see cref="StopAsync"/>).</summary>
    public async Task StartAgainAsync(string? bucket = null)
    {
        var result = await ScriptAsync(["start", Kind, Directory, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. bucket is null ? Array.Empty<string>() : [bucket]]);
        if (result.Code != 0)
        {
            throw new InvalidOperationException($"objectstores.sh start {Kind} failed (exit {result.Code}): {result.Output}");
        }
    }

    public async Task StopAsync() => await ScriptAsync(["stop", Directory]);

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task<(int Code, string Output)> ScriptAsync(string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot(), "infra", "scripts", "objectstores.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no Vault.sln above {AppContext.BaseDirectory}");
    }
}
