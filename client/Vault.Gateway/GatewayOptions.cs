using System.Net;

namespace Vault.Gateway;

/// <summary>Settings of the gateway, bound from the <c>Vault:Gateway</c> configuration section.</summary>
[Vault.Configuration.ConfigurationSection(SectionName)]
public sealed class GatewayOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Vault:Gateway";

    /// <summary>
    /// Node that runs backups, restores and listings when a request names none. The silo sets it to its own node id.
    /// </summary>
    public string DefaultNode { get; set; } = "";

    /// <summary>Key of the snapshot catalog grain (the repository name).</summary>
    public string Repository { get; set; } = "default";

    /// <summary>Reported by GetStatus (for example "embedded" or "cluster"); empty when unknown.</summary>
    public string ClusterMode { get; set; } = "";

    /// <summary>R, the copies of each pack (reported by ListPeers; a decommission may not leave fewer active nodes).</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>W, the copies on disk before a snapshot commits (reported by ListPeers).</summary>
    public int WriteQuorum { get; set; } = 1;

    /// <summary>Interval of WatchJob messages when the request gives none.</summary>
    public TimeSpan DefaultWatchInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// "required": every call needs an API key (bearer token). "off": no authentication, every caller is an admin.
    /// Empty: "required" — except that the silo makes it "off" when it is bound to a loopback address only.
    /// </summary>
    public string Auth { get; set; } = "";

    /// <summary>A file whose first line is the bootstrap admin token (instead of the VAULT_ADMIN_TOKEN environment variable).</summary>
    public string? AdminTokenFile { get; set; }

    /// <summary>Serve without TLS on a non-loopback address. Off by default: a plaintext bind outside loopback is refused at start.</summary>
    public bool AllowPlaintext { get; set; }

    public TlsSection Tls { get; set; } = new();

    public RateLimitSection RateLimit { get; set; } = new();

    public CorsSection Cors { get; set; } = new();

    /// <summary>Largest REST request body and gRPC message accepted (a stream upload is many messages).</summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long a unary REST or gRPC call may take before it is cancelled (streams are not limited).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>True when authentication is required (anything but "off").</summary>
    public bool AuthRequired => !string.Equals(Auth, "off", StringComparison.OrdinalIgnoreCase);

    public sealed class TlsSection
    {
        /// <summary>PEM certificate (chain) served on the HTTP and gRPC ports.</summary>
        public string? CertificateFile { get; set; }

        /// <summary>PEM private key of the certificate.</summary>
        public string? KeyFile { get; set; }

        public bool Enabled => !string.IsNullOrEmpty(CertificateFile);
    }

    public sealed class RateLimitSection
    {
        /// <summary>Sustained requests per second per API key (per client address without a key); 0 = no limit.</summary>
        public int RequestsPerSecond { get; set; } = 100;

        /// <summary>Requests allowed at once above the sustained rate.</summary>
        public int Burst { get; set; } = 200;
    }

    public sealed class CorsSection
    {
        /// <summary>Origins allowed to call the REST API from a browser; empty = CORS off.</summary>
        public string[] Origins { get; set; } = [];
    }

    /// <summary>
    /// Every rule, with a message naming the key, the value and the rule. <paramref name="bindAddress"/> is the
    /// address the gateway listens on (TLS is required outside loopback unless AllowPlaintext).
    /// </summary>
    public IEnumerable<string> Validate(string bindAddress)
    {
        const string s = SectionName;
        if (Auth.Length > 0 && !string.Equals(Auth, "off", StringComparison.OrdinalIgnoreCase) && !string.Equals(Auth, "required", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{s}:Auth is '{Auth}'; must be 'required' or 'off'";
        }

        if (AdminTokenFile is { Length: > 0 } tokenFile && !File.Exists(tokenFile))
        {
            yield return $"{s}:AdminTokenFile is '{tokenFile}'; the file does not exist";
        }

        if (string.IsNullOrEmpty(Tls.CertificateFile) != string.IsNullOrEmpty(Tls.KeyFile))
        {
            yield return $"{s}:Tls:CertificateFile is '{Tls.CertificateFile}' and {s}:Tls:KeyFile is '{Tls.KeyFile}'; give both or neither";
        }

        foreach (var (key, file) in new[] { ("Tls:CertificateFile", Tls.CertificateFile), ("Tls:KeyFile", Tls.KeyFile) })
        {
            if (file is { Length: > 0 } && !File.Exists(file))
            {
                yield return $"{s}:{key} is '{file}'; the file does not exist";
            }
        }

        var loopback = IPAddress.TryParse(bindAddress, out var ip) && IPAddress.IsLoopback(ip);
        if (!loopback && !Tls.Enabled && !AllowPlaintext)
        {
            yield return $"{s}:Tls:CertificateFile is empty while Vault:BindAddress is '{bindAddress}' (not loopback); plaintext is refused outside loopback: " +
                $"set {s}:Tls:CertificateFile and {s}:Tls:KeyFile, or {s}:AllowPlaintext=true";
        }

        if (RateLimit.RequestsPerSecond < 0)
        {
            yield return $"{s}:RateLimit:RequestsPerSecond is {RateLimit.RequestsPerSecond}; must be 0 (no limit) or more";
        }

        if (RateLimit.RequestsPerSecond > 0 && RateLimit.Burst < 1)
        {
            yield return $"{s}:RateLimit:Burst is {RateLimit.Burst}; must be at least 1";
        }

        if (MaxRequestBytes is < 64 * 1024 or > 64 * 1024 * 1024)
        {
            yield return $"{s}:MaxRequestBytes is {MaxRequestBytes}; must be between 64 KiB and 64 MiB";
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            yield return $"{s}:RequestTimeout is {RequestTimeout}; must be positive";
        }

        foreach (var origin in Cors.Origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                yield return $"{s}:Cors:Origins has '{origin}'; each origin must be an http:// or https:// URL";
            }
        }
    }
}
