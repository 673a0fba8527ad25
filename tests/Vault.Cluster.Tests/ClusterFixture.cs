using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Vault.EndToEnd.Tests;
using Vault.Grains.Placement;
using Vault.Storage;

namespace Vault.Cluster.Tests;

/// <summary>
/// PostgreSQL plus three silo processes in cluster mode (n1, n2, n3), all started at once with
/// --apply-schema (so the concurrent apply is exercised), R = 2, small chunks and packs, a fast
/// repair loop and fast failure detection. Silo and gateway connections are mutual TLS: every node has a
/// certificate from the fixture's CA (<see cref="Tls"/>, made with the code of <c>vault certs</c>).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string Database = "vault";
    public const string RepositoryPassword = "cluster test password";

    /// <summary>R: the copies of each pack (--replicas).</summary>
    public const int Replicas = 2;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vault-cluster", Guid.NewGuid().ToString("N")[..12]);

    public PostgresServer Postgres { get; private set; } = null!;

    public Dictionary<string, SiloProcess> Silos { get; } = new(StringComparer.Ordinal);

    public string ClusterDb => Postgres.ConnectionString(Database);

    /// <summary>The cluster's certificates: CA "cluster", one certificate per node (issued when the node is first made).</summary>
    public ClusterTlsFiles Tls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        Tls = new ClusterTlsFiles(Path.Combine(Root, "tls"));
        Tls.NewAuthority("cluster");
        Postgres = await PostgresServer.StartAsync();
        await Postgres.CreateDatabaseAsync(Database);
        foreach (var name in new[] { "n1", "n2", "n3" })
        {
            Silos[name] = NewSilo(name);
        }

        await Task.WhenAll(Silos.Values.Select(s => s.StartAsync()));
    }

    public SiloProcess NewSilo(string node, string? dataDir = null)
    {
        if (!File.Exists(Tls.Certificate(node)))
        {
            Tls.Node(node, "cluster");
        }

        var silo = NewPlainSilo(node, dataDir);
        silo.ExtraArguments.AddRange(Tls.Arguments(node));
        return silo;
    }

    /// <summary>A silo of the cluster without TLS settings (the caller adds its own).</summary>
    public SiloProcess NewPlainSilo(string node, string? dataDir = null) => new(dataDir ?? Path.Combine(Root, node), RepositoryPassword)
    {
        // Three silos starting at once on two shared cores can take a while.
        ReadyTimeout = TimeSpan.FromSeconds(180),
        ExtraArguments =
        [
            "--node-id", node, "--cluster-db", ClusterDb, "--apply-schema", "--replicas", Replicas.ToString(CultureInfo.InvariantCulture),
            "--Vault:Chunking:MinSize=65536", "--Vault:Chunking:AvgSize=262144", "--Vault:Chunking:MaxSize=1048576",
            "--Vault:Repository:PackSize=1048576", "--Vault:Workers=2",
            "--Vault:Cluster:RepairIntervalSeconds=1", "--Vault:Cluster:DropAfterStableSeconds=3",
            "--Vault:Cluster:ProbeTimeoutSeconds=1", "--Vault:Cluster:MissedProbesLimit=2",
        ],
    };

    public async Task DisposeAsync()
    {
        foreach (var silo in Silos.Values)
        {
            await silo.DisposeAsync();
        }

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task<RunResult> VaultAsync(SiloProcess gateway, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", gateway.Gateway, .. args], timeout: TimeSpan.FromMinutes(2));

    /// <summary>GET /api/v1/peers through a silo's co-hosted gateway.</summary>
    public async Task<IReadOnlyList<PeerRow>> PeersAsync(SiloProcess gateway)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"{gateway.Http}/api/v1/peers"));
        return doc.RootElement.GetProperty("peers").EnumerateArray().Select(p => new PeerRow(
            p.GetProperty("node").GetString()!,
            p.GetProperty("state").GetString()!,
            Long(p, "packCount"),
            Long(p, "underReplicated"),
            p.TryGetProperty("lastRepair", out var l) ? l.GetString() : null)).ToList();
    }

    /// <summary>The owners of a pack among <paramref name="nodes"/>: the top R by rendezvous hashing, in ordinal order.</summary>
    public static List<string> Owners(PackId pack, IEnumerable<string> nodes) =>
        Rendezvous.Rank(pack, nodes).Take(Replicas).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every pack on the silos' disks with the nodes that hold it (ordinal order), read from their data directories.</summary>
    public Dictionary<PackId, List<string>> Holders()
    {
        var holders = new Dictionary<PackId, List<string>>();
        foreach (var (node, silo) in Silos.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            foreach (var pack in new LocalPackStore(Path.Combine(silo.DataDir, "packs")).Enumerate())
            {
                (holders.TryGetValue(pack, out var list) ? list : holders[pack] = []).Add(node);
            }
        }

        return holders;
    }

    public static async Task<T> EventuallyAsync<T>(string what, Func<Task<(bool Ok, T Value, string State)>> probe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var (ok, value, state) = await probe();
                if (ok)
                {
                    return value;
                }

                last = state;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                last = e.Message;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}; last seen: {last}");
    }

    // The JSON transcoder writes int64 as strings.
    private static long Long(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var v) ? 0 : v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!) : v.GetInt64();
}

public sealed record PeerRow(string Node, string State, long PackCount, long UnderReplicated, string? LastRepair);

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "postgres-cluster";
}
