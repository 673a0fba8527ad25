using Microsoft.Extensions.Configuration;

namespace Vault.Notifications;

/// <summary>
/// The certificate files named in the node's configuration: every key whose name ends in "CertificateFile" under
/// <see cref="Sections"/> (the gateway's Vault:Gateway:Tls:CertificateFile, the silo-to-silo Vault:Cluster:Tls:*CertificateFile).
/// </summary>
public sealed class ConfigurationCertificates(IConfiguration configuration) : ICertificateSource
{
    public static readonly IReadOnlyList<string> Sections = ["Vault:Gateway:Tls", "Vault:Cluster:Tls"];

    public IReadOnlyList<ConfiguredCertificate> Certificates() =>
    [
        .. Sections.SelectMany(section => configuration.GetSection(section).AsEnumerable()
                .Where(kv => kv.Key.EndsWith("CertificateFile", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(kv.Value))
                .Select(kv => new ConfiguredCertificate(kv.Key, kv.Value!)))
            .DistinctBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .OrderBy(c => c.Name, StringComparer.Ordinal),
    ];
}
