namespace Vault.ClusterTls;

/// <summary>
/// Mutual TLS of the Orleans connections, bound from <c>Vault:Cluster:Tls</c> by both the silo and the standalone
/// gateway. The files are read at start and again whenever they change (see <see cref="ClusterCertificates"/>).
/// </summary>
[Vault.Configuration.ConfigurationSection(Section)]
public sealed class ClusterTlsOptions
{
    public const string Section = "Vault:Cluster:Tls";

    /// <summary>Off (plain TCP) or Required (mutual TLS on every silo and gateway connection).</summary>
    public ClusterTlsMode Mode { get; set; } = ClusterTlsMode.Off;

    /// <summary>This node's certificate: a PEM file (the key in <see cref="PrivateKey"/> or in the same file) or a PKCS#12 (.pfx/.p12) file.</summary>
    public string? Certificate { get; set; }

    /// <summary>The PEM private key of <see cref="Certificate"/>; empty when the certificate file holds its key.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>A file whose first line is the password of a PKCS#12 <see cref="Certificate"/> (secrets never sit in settings).</summary>
    public string? CertificatePasswordFile { get; set; }

    /// <summary>The trusted CA certificates: one or more PEM files, each holding one or more certificates. A peer must chain to one of them.</summary>
    public string[] Ca { get; set; } = [];

    /// <summary>Seconds between two checks of the files for a change (a change is also noticed at each new connection).</summary>
    public int ReloadCheckSeconds { get; set; } = 5;

    /// <summary>Seconds a TLS handshake may take before the connection is dropped.</summary>
    public int HandshakeTimeoutSeconds { get; set; } = 10;

    public bool Enabled => Mode == ClusterTlsMode.Required;

    /// <summary>Every rule, with a message naming the key, the value and the rule; the files are only checked when TLS is required.</summary>
    public IEnumerable<string> Validate()
    {
        if (ReloadCheckSeconds is < 1 or > 3600)
        {
            yield return $"{Section}:ReloadCheckSeconds is {ReloadCheckSeconds}; must be between 1 and 3600";
        }

        if (HandshakeTimeoutSeconds is < 1 or > 300)
        {
            yield return $"{Section}:HandshakeTimeoutSeconds is {HandshakeTimeoutSeconds}; must be between 1 and 300";
        }

        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Certificate))
        {
            yield return $"{Section}:Certificate is empty; {Section}:Mode is Required: give this node's certificate file (PEM or PFX; `vault certs node` makes one)";
        }
        else if (!File.Exists(Certificate))
        {
            yield return $"{Section}:Certificate is '{Certificate}'; the file does not exist";
        }

        if (PrivateKey is { Length: > 0 } key && !File.Exists(key))
        {
            yield return $"{Section}:PrivateKey is '{key}'; the file does not exist";
        }

        if (CertificatePasswordFile is { Length: > 0 } passwordFile && !File.Exists(passwordFile))
        {
            yield return $"{Section}:CertificatePasswordFile is '{passwordFile}'; the file does not exist";
        }

        if (Ca.Length == 0)
        {
            yield return $"{Section}:Ca is empty; {Section}:Mode is Required: give the trusted CA certificate file(s) (`vault certs ca` makes one)";
        }

        for (var i = 0; i < Ca.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(Ca[i]) || !File.Exists(Ca[i]))
            {
                yield return $"{Section}:Ca:{i} is '{Ca[i]}'; the file does not exist";
            }
        }
    }
}
