extern alias gateway;

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Vault.Cli;
using gateway::Vault.ClusterTls;

namespace Vault.Surface.Tests;

/// <summary><c>vault certs</c>: a CA and node certificates that chain, carry their names and keep their keys private.</summary>
public sealed class CertsCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vault-certs-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task CaAndNode_ChainValidates_WithSans_UsagesAndPrivateKeys()
    {
        var ca = Path.Combine(_dir, "ca");
        var nodes = Path.Combine(_dir, "nodes");
        Assert.Equal(0, (await RunAsync("certs", "ca", "--out", ca)).ExitCode);
        var run = await RunAsync("certs", "node", "n1", "--ca", ca, "--out", nodes, "--dns", "n1.example.net", "--dns", "localhost", "--ip", "127.0.0.1", "--ip", "::1", "--days", "30");
        Assert.True(run.ExitCode == 0, run.Error);

        foreach (var key in new[] { Path.Combine(ca, "ca.key"), Path.Combine(nodes, "n1.key") })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(ca));
        using var authority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(ca, "ca.crt"));
        using var node = X509Certificate2.CreateFromPemFile(Path.Combine(nodes, "n1.crt"), Path.Combine(nodes, "n1.key"));
        Assert.True(node.HasPrivateKey);
        Assert.Equal("CN=n1", node.Subject);
        Assert.Equal(authority.Subject, node.Issuer);
        using var publicKey = node.GetECDsaPublicKey();
        Assert.Equal(256, publicKey!.KeySize);
        Assert.InRange((node.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays, 29.9, 30.1);

        var san = node.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["n1.example.net", "localhost"], san.EnumerateDnsNames().ToArray());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], san.EnumerateIPAddresses().ToArray());
        var usages = node.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToArray();
        Assert.Contains("1.3.6.1.5.5.7.3.1", usages);
        Assert.Contains("1.3.6.1.5.5.7.3.2", usages);
        Assert.False(node.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

        // The chain validates against the CA alone (as the nodes check it), and not against another CA.
        var trusted = new X509Certificate2Collection(authority);
        Assert.Null(ClusterCertificates.ChainErrors(node, null, trusted, DateTimeOffset.UtcNow));
        var other = Path.Combine(_dir, "other");
        Assert.Equal(0, (await RunAsync("certs", "ca", "--out", other, "--name", "Another CA")).ExitCode);
        using var otherCa = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(other, "ca.crt"));
        Assert.Contains("not trusted", ClusterCertificates.ChainErrors(node, null, new X509Certificate2Collection(otherCa), DateTimeOffset.UtcNow));
        Assert.Null(ClusterCertificates.ChainErrors(node, null, new X509Certificate2Collection(new[] { otherCa, authority }), DateTimeOffset.UtcNow));
        Assert.NotNull(ClusterCertificates.ChainErrors(node, null, trusted, DateTimeOffset.UtcNow.AddDays(31)));

        // The files load as a node's cluster TLS material.
        var material = ClusterTlsMaterial.Load(new ClusterTlsOptions
        {
            Mode = ClusterTlsMode.Required,
            Certificate = Path.Combine(nodes, "n1.crt"),
            PrivateKey = Path.Combine(nodes, "n1.key"),
            Ca = [Path.Combine(ca, "ca.crt")],
        }, DateTimeOffset.UtcNow);
        Assert.Equal(node.Thumbprint, material.Certificate.Thumbprint);
    }

    [Fact]
    public async Task BadInput_IsAUsageError_NamingIt_AndNothingIsOverwritten()
    {
        var ca = Path.Combine(_dir, "ca");
        Assert.Equal(0, (await RunAsync("certs", "ca", "--out", ca)).ExitCode);
        var before = await File.ReadAllTextAsync(Path.Combine(ca, "ca.key"));

        var again = await RunAsync("certs", "ca", "--out", ca);
        Assert.Equal(ExitCodes.Usage, again.ExitCode);
        Assert.Contains("exists already", again.Error);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(ca, "ca.key")));

        var cases = new (string[] Args, string Message)[]
        {
            (["certs", "node", "n1", "--ca", ca, "--out", _dir, "--ip", "10.0.0.300"], "--ip '10.0.0.300'"),
            (["certs", "node", "n1", "--ca", ca, "--out", _dir, "--dns", "bad host"], "--dns 'bad host'"),
            (["certs", "node", "bad/name", "--ca", ca, "--out", _dir], "node name 'bad/name'"),
            (["certs", "node", "n1", "--ca", ca, "--out", _dir, "--days", "0"], "--days 0"),
            (["certs", "node", "n1", "--ca", ca, "--out", _dir, "--days", "4000"], "would outlive its CA"),
            (["certs", "node", "n1", "--ca", Path.Combine(_dir, "nowhere"), "--out", _dir], "needs ca.crt and ca.key"),
        };
        foreach (var (args, message) in cases)
        {
            var run = await RunAsync(args);
            Assert.True(run.ExitCode == ExitCodes.Usage, $"{string.Join(' ', args)}: exit {run.ExitCode}, {run.Error}");
            Assert.Contains(message, run.Error);
        }

        Assert.False(File.Exists(Path.Combine(_dir, "n1.key")));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static async Task<CliRun> RunAsync(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var environment = new CliEnvironment
        {
            Out = output,
            Error = error,
            CurrentDirectory = "/",
            GetVariable = _ => null,
            CancelTimeout = TimeSpan.FromSeconds(5),
            OpenInput = () => Stream.Null,
        };
        var exitCode = await VaultCli.RunAsync(args, environment);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
