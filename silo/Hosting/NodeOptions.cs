using System.Net;
using System.Text.RegularExpressions;
using Vault.Storage;

namespace Vault.Silo.Hosting;

/// <summary>The node's settings, bound from the "Vault" section (appsettings, Vault__* environment, command line).</summary>
[Vault.Configuration.ConfigurationSection(Section)]
public sealed partial class NodeOptions
{
    public const string Section = "Vault";

    /// <summary>Repository, packs and grain state. Default: $XDG_DATA_HOME/vault or ~/.local/share/vault.</summary>
    public string DataDir { get; set; } = DefaultDataDir();

    /// <summary>REST API, health (and later metrics, dashboard).</summary>
    public int HttpPort { get; set; } = 7400;

    /// <summary>gRPC API (HTTP/2).</summary>
    public int GrpcPort { get; set; } = 7401;

    /// <summary>Address the HTTP and gRPC endpoints listen on.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Stable name of this node in the cluster. Default: the host name.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>A file whose first line is the repository password (instead of VAULT_PASSWORD).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>CPU workers per job (chunking, hashing, compression). Default: one per core.</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    public ClusterOptionsSection Cluster { get; set; } = new();

    public ChunkingSection Chunking { get; set; } = new();

    public RepositorySection Repository { get; set; } = new();

    public RestoreSection Restore { get; set; } = new();

    public ScrubSection Scrub { get; set; } = new();

    /// <summary>Background verification of the node's packs (see docs/operations.md, "Verification and scrubbing").</summary>
    public sealed class ScrubSection
    {
        public bool Enabled { get; set; } = true;

        /// <summary>Every local pack is verified again within this period: 30d, 12h, 90m or 30.00:00:00.</summary>
        public string Period { get; set; } = "30d";

        /// <summary>The most bytes per second scrubbing reads.</summary>
        public long MaxBytesPerSecond { get; set; } = 20L * 1024 * 1024;

        public IEnumerable<string> Validate()
        {
            const string key = Section + ":Scrub";
            if (!Vault.Grains.Check.ScrubSettings.TryParsePeriod(Period, out var period) || period < TimeSpan.FromHours(1) || period > TimeSpan.FromDays(3650))
            {
                yield return $"{key}:Period is '{Period}'; must be a duration between 1h and 3650d (for example 30d, 12h or 30.00:00:00)";
            }

            if (MaxBytesPerSecond < 64 * 1024)
            {
                yield return $"{key}:MaxBytesPerSecond is {MaxBytesPerSecond}; must be at least 64 KiB/s (65536)";
            }
        }

        public Vault.Grains.Check.ScrubSettings ToSettings() => new()
        {
            Enabled = Enabled,
            Period = Vault.Grains.Check.ScrubSettings.TryParsePeriod(Period, out var period) ? period : Vault.Grains.Check.ScrubSettings.Default.Period,
            MaxBytesPerSecond = MaxBytesPerSecond,
        };
    }

    /// <summary>Where restores may write.</summary>
    public sealed class RestoreSection
    {
        /// <summary>Absolute directories a restore target must be at or below; empty = any absolute path.</summary>
        public string[] AllowedRoots { get; set; } = [];
    }

    public sealed class ClusterOptionsSection
    {
        /// <summary>Orleans silo-to-silo port.</summary>
        public int SiloPort { get; set; } = 11111;

        /// <summary>Orleans client gateway port.</summary>
        public int GatewayPort { get; set; } = 30000;

        /// <summary>
        /// PostgreSQL connection string of the cluster (Npgsql syntax: Host=…;Port=…;Database=…;Username=…;Password=…).
        /// Empty: the embedded single-node mode.
        /// </summary>
        public string? Database { get; set; }

        /// <summary>Apply infra/sql/postgresql-schema.sql at start (idempotent, under an advisory lock).</summary>
        public bool ApplySchema { get; set; }

        /// <summary>Orleans cluster id (and service id): every silo and gateway of one cluster uses the same.</summary>
        public string ClusterId { get; set; } = "vault";

        /// <summary>IP address other silos and clients use to reach this silo. Default: Vault:BindAddress.</summary>
        public string? Advertise { get; set; }

        /// <summary>R, the copies of each pack. Default 2 in cluster mode, 1 embedded.</summary>
        public int? Replicas { get; set; }

        /// <summary>W, the copies on disk before a snapshot may commit. Default R.</summary>
        public int? WriteQuorum { get; set; }

        /// <summary>Seconds between two repair passes of a node.</summary>
        public double RepairIntervalSeconds { get; set; } = 60;

        /// <summary>Bytes per second a node's repair may copy to other nodes.</summary>
        public long RepairBytesPerSecond { get; set; } = 64L * 1024 * 1024;

        /// <summary>Seconds the up nodes must be stable before repair drops a misplaced copy.</summary>
        public double DropAfterStableSeconds { get; set; } = 30;

        /// <summary>Orleans membership probe timeout in seconds (how fast a dead silo is noticed); empty = Orleans' default.</summary>
        public double? ProbeTimeoutSeconds { get; set; }

        /// <summary>Missed probes before a silo is suspected; empty = Orleans' default.</summary>
        public int? MissedProbesLimit { get; set; }

        public bool IsCluster => !string.IsNullOrWhiteSpace(Database);

        public int EffectiveReplicas => Replicas ?? (IsCluster ? 2 : 1);

        public int EffectiveWriteQuorum => WriteQuorum ?? EffectiveReplicas;
    }

    /// <summary>Chunk sizes; used only when the repository is created.</summary>
    public sealed class ChunkingSection
    {
        public int MinSize { get; set; } = ChunkerOptions.Default.MinSize;

        public int AvgSize { get; set; } = ChunkerOptions.Default.AvgSize;

        public int MaxSize { get; set; } = ChunkerOptions.Default.MaxSize;
    }

    /// <summary>Repository format settings; used only when the repository is created.</summary>
    public sealed class RepositorySection
    {
        public int PackSize { get; set; } = 16 * 1024 * 1024;

        public int CompressionLevel { get; set; } = 3;
    }

    /// <summary>Every rule, with a message naming the key, the value and the rule.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var (key, value) in new[] { ("HttpPort", HttpPort), ("GrpcPort", GrpcPort), ("Cluster:SiloPort", Cluster.SiloPort), ("Cluster:GatewayPort", Cluster.GatewayPort) })
        {
            if (value is < 1 or > 65535)
            {
                yield return $"{Section}:{key} is {value}; must be a TCP port between 1 and 65535";
            }
        }

        if (HttpPort == GrpcPort)
        {
            yield return $"{Section}:GrpcPort is {GrpcPort}; must differ from {Section}:HttpPort ({HttpPort})";
        }

        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return $"{Section}:BindAddress is '{BindAddress}'; must be an IP address such as 127.0.0.1";
        }

        if (string.IsNullOrWhiteSpace(DataDir))
        {
            yield return $"{Section}:DataDir is empty; must be a directory path";
        }

        if (!NodeIdPattern().IsMatch(NodeId ?? ""))
        {
            yield return $"{Section}:NodeId is '{NodeId}'; must be 1–64 letters, digits, '.', '_' or '-'";
        }

        if (Workers is < 1 or > 256)
        {
            yield return $"{Section}:Workers is {Workers}; must be between 1 and 256";
        }

        if (PasswordFile is { Length: > 0 } f && !File.Exists(f))
        {
            yield return $"{Section}:PasswordFile is '{f}'; the file does not exist";
        }

        foreach (var error in ValidateCluster().Concat(ValidateGc()).Concat(Scrub.Validate()).Concat(ValidateCheckpoint()))
        {
            yield return error;
        }

        string? chunking = null;
        try
        {
            new ChunkerOptions(Chunking.MinSize, Chunking.AvgSize, Chunking.MaxSize).Validate();
        }
        catch (InvalidConfigurationException e)
        {
            chunking = e.Message;
        }

        if (chunking is not null)
        {
            yield return chunking;
        }

        if (Repository.PackSize is < 1024 * 1024 or > 256 * 1024 * 1024)
        {
            yield return $"{Section}:Repository:PackSize is {Repository.PackSize}; must be between 1 MiB and 256 MiB";
        }

        for (var i = 0; i < Restore.AllowedRoots.Length; i++)
        {
            var root = Restore.AllowedRoots[i];
            if (string.IsNullOrWhiteSpace(root) || !Path.IsPathFullyQualified(root))
            {
                yield return $"{Section}:Restore:AllowedRoots:{i} is '{root}'; must be an absolute directory path";
            }
        }

        if (Repository.CompressionLevel is < 1 or > 19)
        {
            yield return $"{Section}:Repository:CompressionLevel is {Repository.CompressionLevel}; must be between 1 and 19";
        }
    }

    private IEnumerable<string> ValidateCluster()
    {
        var c = Cluster;
        const string key = Section + ":Cluster";
        if (c.Replicas is { } r && (r < 1 || r > 16))
        {
            yield return $"{key}:Replicas is {r}; must be between 1 and 16";
        }

        if (!c.IsCluster && c.EffectiveReplicas != 1)
        {
            yield return $"{key}:Replicas is {c.EffectiveReplicas}; the embedded mode (no {key}:Database) keeps one copy: must be 1";
        }

        if (c.WriteQuorum is { } w && (w < 1 || w > c.EffectiveReplicas))
        {
            yield return $"{key}:WriteQuorum is {w}; must be between 1 and {key}:Replicas ({c.EffectiveReplicas})";
        }

        if (c.Advertise is { Length: > 0 } a && !IPAddress.TryParse(a, out _))
        {
            yield return $"{key}:Advertise is '{a}'; must be an IP address such as 10.0.0.5";
        }

        if (c.IsCluster && c.Advertise is not { Length: > 0 } && IPAddress.TryParse(BindAddress, out var bind)
            && (bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any)))
        {
            yield return $"{key}:Advertise is empty and {Section}:BindAddress is '{BindAddress}'; give the address other nodes reach this one at (--advertise)";
        }

        if (string.IsNullOrWhiteSpace(c.ClusterId) || c.ClusterId.Length > 150)
        {
            yield return $"{key}:ClusterId is '{c.ClusterId}'; must be 1–150 characters";
        }

        if (c.RepairIntervalSeconds is < 0.1 or > 86400)
        {
            yield return $"{key}:RepairIntervalSeconds is {c.RepairIntervalSeconds}; must be between 0.1 and 86400";
        }

        if (c.RepairBytesPerSecond < 1024 * 1024)
        {
            yield return $"{key}:RepairBytesPerSecond is {c.RepairBytesPerSecond}; must be at least 1 MiB/s (1048576)";
        }

        if (c.DropAfterStableSeconds is < 0 or > 86400)
        {
            yield return $"{key}:DropAfterStableSeconds is {c.DropAfterStableSeconds}; must be between 0 and 86400";
        }

        if (c.ProbeTimeoutSeconds is { } p && p is < 0.2 or > 600)
        {
            yield return $"{key}:ProbeTimeoutSeconds is {p}; must be between 0.2 and 600";
        }

        if (c.MissedProbesLimit is { } m && m is < 1 or > 10)
        {
            yield return $"{key}:MissedProbesLimit is {m}; must be between 1 and 10";
        }

        if (c.IsCluster && Repository.PackSize > 64 * 1024 * 1024)
        {
            yield return $"{Section}:Repository:PackSize is {Repository.PackSize}; packs cross the network in cluster mode: must be at most 64 MiB";
        }
    }

    private static string DefaultDataDir()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : xdg, "vault");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NodeIdPattern();
}
