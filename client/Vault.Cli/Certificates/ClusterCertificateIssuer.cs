using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Vault.Cli.Certificates;

/// <summary>
/// A small certificate authority for cluster mutual TLS, in files: <c>ca.crt</c> and <c>ca.key</c> (ECDSA P-256,
/// the key readable by its owner only), and node certificates <c>NAME.crt</c> + <c>NAME.key</c> signed by it, with
/// subject alternative names and both the server and client authentication usages (a node is both ends).
/// Existing files are never overwritten. Bad input is a <see cref="CertificateRequestException"/> naming the option.
/// </summary>
public static partial class ClusterCertificateIssuer
{
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const int MaxDays = 36500;

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>Writes a new CA into <paramref name="outDir"/>; returns the certificate and key paths.</summary>
    public static (string Certificate, string Key) CreateAuthority(string outDir, string name, int days, DateTimeOffset now)
    {
        CheckDays(days);
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64 || name.Any(char.IsControl) || name.IndexOfAny([',', '=', '+', '"', '\\', '<', '>', ';']) >= 0)
        {
            throw new CertificateRequestException($"--name '{name}': must be 1–64 printable characters without , = + \" \\ < > ;");
        }

        var (certificatePath, keyPath) = Targets(outDir, CaCertificateFile, CaKeyFile);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(days));
        Write(outDir, certificatePath, certificate.ExportCertificatePem(), keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>Writes NAME.crt and NAME.key, signed by the CA in <paramref name="caDir"/>, into <paramref name="outDir"/>.</summary>
    public static (string Certificate, string Key) CreateNode(string name, string caDir, string outDir, IReadOnlyList<string> dnsNames, IReadOnlyList<string> ipAddresses, int days, DateTimeOffset now)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new CertificateRequestException($"node name '{name}': must be 1–64 letters, digits, '.', '_' or '-' (the node id)");
        }

        CheckDays(days);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames.Count > 0 ? dnsNames : [name])
        {
            if (!HostPattern().IsMatch(dns))
            {
                throw new CertificateRequestException($"--dns '{dns}': must be a host name such as node1.example.net");
            }

            san.AddDnsName(dns);
        }

        foreach (var ip in ipAddresses)
        {
            if (!IPAddress.TryParse(ip, out var address))
            {
                throw new CertificateRequestException($"--ip '{ip}': must be an IP address such as 10.0.0.5");
            }

            san.AddIpAddress(address);
        }

        using var authority = LoadAuthority(caDir);
        var notAfter = now.AddDays(days);
        if (notAfter > authority.NotAfter.ToUniversalTime())
        {
            throw new CertificateRequestException($"--days {days}: the node certificate would outlive its CA (valid until {authority.NotAfter.ToUniversalTime():u}); give fewer days or make a new CA");
        }

        var (certificatePath, keyPath) = Targets(outDir, name + ".crt", name + ".key");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuth), new Oid(ClientAuth)], critical: false));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(authority, now.AddMinutes(-5), notAfter, serial);
        Write(outDir, certificatePath, certificate.ExportCertificatePem(), keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    private static X509Certificate2 LoadAuthority(string caDir)
    {
        var certificate = Path.Combine(caDir, CaCertificateFile);
        var key = Path.Combine(caDir, CaKeyFile);
        if (!File.Exists(certificate) || !File.Exists(key))
        {
            throw new CertificateRequestException($"--ca {caDir}: needs {CaCertificateFile} and {CaKeyFile} (made by `vault certs ca --out {caDir}`)");
        }

        X509Certificate2 authority;
        try
        {
            authority = X509Certificate2.CreateFromPemFile(certificate, key);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CertificateRequestException($"--ca {caDir}: cannot load {CaCertificateFile} with {CaKeyFile}: {e.Message}");
        }

        if (authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            authority.Dispose();
            throw new CertificateRequestException($"--ca {caDir}: {CaCertificateFile} is not a CA certificate");
        }

        return authority;
    }

    private static void CheckDays(int days)
    {
        if (days is < 1 or > MaxDays)
        {
            throw new CertificateRequestException($"--days {days}: must be between 1 and {MaxDays}");
        }
    }

    private static (string Certificate, string Key) Targets(string outDir, string certificateName, string keyName)
    {
        if (string.IsNullOrWhiteSpace(outDir))
        {
            throw new CertificateRequestException("--out: give a directory");
        }

        var certificate = Path.Combine(outDir, certificateName);
        var key = Path.Combine(outDir, keyName);
        foreach (var file in new[] { certificate, key })
        {
            if (File.Exists(file) || Directory.Exists(file))
            {
                throw new CertificateRequestException($"--out {outDir}: {Path.GetFileName(file)} exists already; it is never overwritten (move it away first)");
            }
        }

        return (certificate, key);
    }

    private static void Write(string outDir, string certificatePath, string certificatePem, string keyPath, string keyPem)
    {
        try
        {
            if (!Directory.Exists(outDir))
            {
                Directory.CreateDirectory(outDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            // The key is created 0600 from its first byte, never widened afterwards.
            using (var stream = new FileStream(keyPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(keyPem);
                writer.Write('\n');
            }

            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using (var stream = new FileStream(certificatePath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(certificatePem);
                writer.Write('\n');
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CertificateRequestException($"--out {outDir}: {e.Message}");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostPattern();
}
