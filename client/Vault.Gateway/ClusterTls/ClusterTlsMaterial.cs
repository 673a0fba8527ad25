using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vault.ClusterTls;

/// <summary>This node's certificate (with its private key) and the CA certificates it trusts, read from the files of <see cref="ClusterTlsOptions"/>.</summary>
public sealed class ClusterTlsMaterial
{
    private const string Section = ClusterTlsOptions.Section;

    private ClusterTlsMaterial(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        Authorities = authorities;
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Authorities { get; }

    /// <summary>Reads every file; a file that is missing, unreadable or unusable is a <see cref="ClusterTlsException"/> naming its key.</summary>
    public static ClusterTlsMaterial Load(ClusterTlsOptions options, DateTimeOffset now)
    {
        var certificate = LoadCertificate(options, now);
        var authorities = new X509Certificate2Collection();
        for (var i = 0; i < options.Ca.Length; i++)
        {
            var file = options.Ca[i];
            var found = new X509Certificate2Collection();
            try
            {
                found.ImportFromPemFile(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                throw new ClusterTlsException($"{Section}:Ca:{i} is '{file}'; cannot read it as PEM certificates: {e.Message}");
            }

            if (found.Count == 0)
            {
                throw new ClusterTlsException($"{Section}:Ca:{i} is '{file}'; the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            }

            foreach (var ca in found)
            {
                if (ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
                {
                    throw new ClusterTlsException($"{Section}:Ca:{i} is '{file}'; the certificate {ca.Subject} is not a CA certificate (no basic constraint CA:true)");
                }
            }

            authorities.AddRange(found);
        }

        return new ClusterTlsMaterial(certificate, authorities);
    }

    private static X509Certificate2 LoadCertificate(ClusterTlsOptions options, DateTimeOffset now)
    {
        var file = options.Certificate ?? "";
        X509Certificate2 certificate;
        try
        {
            var extension = Path.GetExtension(file).ToLowerInvariant();
            certificate = extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(file, Password(options), X509KeyStorageFlags.EphemeralKeySet)
                : options.PrivateKey is { Length: > 0 } key
                    ? X509Certificate2.CreateFromPemFile(file, key)
                    : X509Certificate2.CreateFromPemFile(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            var what = options.PrivateKey is { Length: > 0 } k ? $"{Section}:Certificate '{file}' with {Section}:PrivateKey '{k}'" : $"{Section}:Certificate '{file}'";
            throw new ClusterTlsException($"cannot load {what} (a PEM certificate and its PEM key, or a PFX file): {e.Message}");
        }

        if (!certificate.HasPrivateKey)
        {
            throw new ClusterTlsException($"{Section}:Certificate is '{file}'; it has no private key: give it in {Section}:PrivateKey");
        }

        if (certificate.NotAfter.ToUniversalTime() <= now.UtcDateTime)
        {
            throw new ClusterTlsException($"{Section}:Certificate is '{file}'; it expired on {certificate.NotAfter.ToUniversalTime():u}");
        }

        if (certificate.NotBefore.ToUniversalTime() > now.UtcDateTime.AddMinutes(5))
        {
            throw new ClusterTlsException($"{Section}:Certificate is '{file}'; it is not valid before {certificate.NotBefore.ToUniversalTime():u}");
        }

        return certificate;
    }

    private static string? Password(ClusterTlsOptions options) =>
        options.CertificatePasswordFile is { Length: > 0 } f ? File.ReadLines(f).FirstOrDefault() ?? "" : null;
}
