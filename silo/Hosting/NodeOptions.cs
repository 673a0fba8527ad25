using System.Net;
using System.Text.RegularExpressions;
using Vault.Storage;

namespace Vault.Silo.Hosting;

/// <summary>The node's settings, bound from the "Vault" section (appsettings, Vault__* environment, command line).</summary>
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

    private static string DefaultDataDir()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : xdg, "vault");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NodeIdPattern();
}
