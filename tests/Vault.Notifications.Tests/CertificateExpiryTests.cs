using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Vault.Notifications.Tests.Infrastructure;

namespace Vault.Notifications.Tests;

/// <summary>certificate.expiring from real PEM files: warning, escalation to critical, resolve when the file is renewed, an unreadable file.</summary>
public class CertificateExpiryTests
{
    private sealed class FixedCertificates(IReadOnlyList<ConfiguredCertificate> list) : ICertificateSource
    {
        public IReadOnlyList<ConfiguredCertificate> List { get; set; } = list;

        public IReadOnlyList<ConfiguredCertificate> Certificates() => List;
    }

    [Fact]
    public async Task GatewayCertificate_WarnedThenCriticalThenResolvedWhenRenewed()
    {
        var options = new NotificationOptions
        {
            Channels = new() { ["c"] = new ChannelOptions { Type = ChannelType.Webhook } },
            Rules = new() { ["all"] = new RouteRule { Kinds = ["certificate.*"], Channels = ["c"] } },
        };
        var channel = new ScriptedChannel("c");
        using var rig = new NotificationRig(options, (_, _) => [channel]);
        var file = Path.Combine(rig.Directory, "gateway.pem");
        var now = rig.Time.GetUtcNow();
        WriteCertificate(file, now + TimeSpan.FromDays(10) - TimeSpan.FromHours(1));
        var source = new FixedCertificates([new ConfiguredCertificate("Vault:Gateway:Tls:CertificateFile", file)]);
        using var watch = new CertificateWatch(source, rig.Hub, rig.Context, options, rig.Time, NullLogger<CertificateWatch>.Instance);

        var first = Assert.Single(watch.CheckOnce());
        Assert.Equal((EventKinds.CertificateExpiring, EventSeverity.Warning, "certificate:n1:Vault:Gateway:Tls:CertificateFile", false),
            (first.Kind, first.Severity, first.Subject, first.Resolves));
        Assert.Equal("9", first.Details["days left"]);
        watch.CheckOnce(); // the same warning again: suppressed by dedup
        await rig.DrainAsync();
        Assert.Single(channel.Attempts);

        WriteCertificate(file, now + TimeSpan.FromDays(2));
        Assert.Equal(EventSeverity.Critical, Assert.Single(watch.CheckOnce()).Severity);
        WriteCertificate(file, now + TimeSpan.FromDays(90));
        Assert.True(Assert.Single(watch.CheckOnce()).Resolves);
        await rig.DrainAsync();
        Assert.Equal([EventSeverity.Warning, EventSeverity.Critical, EventSeverity.Info], channel.Attempts.Select(a => a.Event.Severity));
        Assert.True(channel.Attempts.Last().Event.Resolves);

        await File.WriteAllTextAsync(file, "not a certificate");
        var broken = Assert.Single(watch.CheckOnce());
        Assert.Equal(EventSeverity.Critical, broken.Severity);
        Assert.Contains(file, broken.Summary, StringComparison.Ordinal);

        // A certificate no longer configured has its condition cleared.
        source.List = [];
        Assert.True(Assert.Single(watch.CheckOnce()).Resolves);
        Assert.Empty(rig.Hub.Status().OpenConditions);
    }

    [Fact]
    public void Configuration_NamesGatewayAndClusterCertificates()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vault:Gateway:Tls:CertificateFile"] = "/etc/vault/gw.pem",
            ["Vault:Gateway:Tls:KeyFile"] = "/etc/vault/gw.key",
            ["Vault:Cluster:Tls:CertificateFile"] = "/etc/vault/silo.pem",
            ["Vault:Cluster:Tls:CaFile"] = "/etc/vault/ca.pem",
        }).Build();
        Assert.Equal(["Vault:Cluster:Tls:CertificateFile=/etc/vault/silo.pem", "Vault:Gateway:Tls:CertificateFile=/etc/vault/gw.pem"],
            new ConfigurationCertificates(configuration).Certificates().Select(c => $"{c.Name}={c.File}"));
    }

    private static void WriteCertificate(string file, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=vault.test", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(notAfter - TimeSpan.FromDays(365), notAfter);
        File.WriteAllText(file, cert.ExportCertificatePem());
    }
}
