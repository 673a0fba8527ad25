using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vault.Notifications;

/// <summary>
/// Decides what a certificate file says about its expiry: certificate.expiring as Warning within
/// <see cref="NotificationOptions.ExpiryWarning"/> of its end, Critical within <see cref="NotificationOptions.ExpiryCritical"/>,
/// once expired or when the file cannot be read as a PEM certificate; a clear otherwise. Subject "certificate:&lt;node&gt;:&lt;key&gt;".
/// </summary>
public static class CertificateExpiry
{
    public static string Subject(string node, ConfiguredCertificate certificate) => $"certificate:{node}:{certificate.Name}";

    public static VaultEvent Assess(string node, ConfiguredCertificate certificate, DateTimeOffset now, TimeSpan warning, TimeSpan critical)
    {
        var subject = Subject(node, certificate);
        X509Certificate2 cert;
        try
        {
            cert = X509Certificate2.CreateFromPem(File.ReadAllText(certificate.File));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            return VaultEvent.Raise(EventKinds.CertificateExpiring, EventSeverity.Critical, subject,
                $"the certificate {certificate.Name} of node {node} ({certificate.File}) cannot be read: {e.Message}",
                new Dictionary<string, string> { ["node"] = node, ["key"] = certificate.Name, ["file"] = certificate.File, ["error"] = e.Message }, now);
        }

        using (cert)
        {
            var notAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var left = notAfter - now;
            var details = new Dictionary<string, string>
            {
                ["node"] = node,
                ["key"] = certificate.Name,
                ["file"] = certificate.File,
                ["subject"] = cert.Subject,
                ["not after"] = notAfter.ToString("u", CultureInfo.InvariantCulture),
                ["days left"] = Math.Floor(left.TotalDays).ToString(CultureInfo.InvariantCulture),
            };
            if (left > warning)
            {
                return VaultEvent.Clear(EventKinds.CertificateExpiring, subject,
                    $"the certificate {certificate.Name} of node {node} is valid until {notAfter:u}", now);
            }

            var severity = left <= critical ? EventSeverity.Critical : EventSeverity.Warning;
            var summary = left <= TimeSpan.Zero
                ? $"the certificate {certificate.Name} of node {node} ({cert.Subject}) expired at {notAfter:u}"
                : $"the certificate {certificate.Name} of node {node} ({cert.Subject}) expires at {notAfter:u}, in {Math.Floor(left.TotalDays).ToString(CultureInfo.InvariantCulture)} day(s)";
            return VaultEvent.Raise(EventKinds.CertificateExpiring, severity, subject, summary, details, now);
        }
    }
}
