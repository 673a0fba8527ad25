using System.Diagnostics;
using Vault.Failover.Tests.Fakes;
using Vault.Failover.Tests.Infrastructure;
using Vault.Grains.Failover;
using Vault.Grains.Failover.Dns;
using Vault.Grains.Failover.Engines;

namespace Vault.Failover.Tests;

/// <summary>
/// Each DNS provider against a real BIND primary and secondary (RFC 2136) or a faithful fake whose
/// applied changes are mirrored into that BIND pair, so the check on every authoritative nameserver —
/// discovered from the zone's NS set — is a real DNS query every time.
/// </summary>
public sealed class DnsProviderTests
{
    [Fact]
    public async Task Rfc2136_RecordSetsOfEveryType_AnsweredByBothDiscoveredNameservers_ThenDeleted()
    {
        await using var servers = await LocalServers.StartAsync("bind");
        var spec = DnsSpecs.Rfc2136(servers);
        var provider = new Rfc2136DnsProvider(spec);
        var verifier = new NameserverVerifier(spec);

        var nameservers = await verifier.DiscoverAsync(CancellationToken.None);
        Assert.Equal([$"127.0.0.1:{servers.Port(LocalServers.Bind1)}", $"127.0.0.1:{servers.Port(LocalServers.Bind2)}"], nameservers.Order());
        Assert.Equal(["ns1.vault.test.", "ns2.vault.test."], (await provider.ListNameserversAsync(CancellationToken.None)).Order());

        // BIND refuses an MX or SRV whose in-zone target has no address record (its integrity check): the targets come first.
        DnsRecordSet[] sets =
        [
            new("mx1.vault.test.", "A", 5, ["127.0.8.1"]),
            new("mx2.vault.test.", "A", 5, ["127.0.8.2"]),
            new("pg1.vault.test.", "A", 5, ["127.0.1.1"]),
            new("pg2.vault.test.", "A", 5, ["127.0.1.2"]),
            new("web.vault.test.", "A", 5, ["127.0.5.1", "127.0.5.2", "127.0.5.3"]),
            new("web.vault.test.", "AAAA", 5, ["fd00::5:1", "fd00::5:2"]),
            new("mail.vault.test.", "MX", 5, ["10 mx1.vault.test.", "20 mx2.vault.test."]),
            new("mail.vault.test.", "TXT", 5, ["v=spf1 -all", "vault-verification=abc123"]),
            new("_postgresql._tcp.vault.test.", "SRV", 5, ["0 5 5432 pg1.vault.test.", "10 5 5433 pg2.vault.test."]),
            new("alias.vault.test.", "CNAME", 5, ["pg.vault.test."]),
        ];
        // All updates first, then the checks: the secondary catches up with one transfer instead of one per set.
        foreach (var set in sets)
        {
            await provider.WaitLiveAsync(await provider.SetAsync(set, CancellationToken.None), CancellationToken.None);
        }

        foreach (var set in sets)
        {
            await verifier.WaitAnsweredAsync(nameservers, set, CancellationToken.None);
            var read = await provider.GetAsync(set.Name, set.Type, CancellationToken.None);
            Assert.True(set.SameValues(read?.Values), $"read back {read} for {set}");
        }

        // Replacing a set drops the values not in the new one (one atomic update).
        var fewer = new DnsRecordSet("web.vault.test.", "A", 5, ["127.0.5.9"]);
        await provider.SetAsync(fewer, CancellationToken.None);
        await verifier.WaitAnsweredAsync(nameservers, fewer, CancellationToken.None);

        await provider.DeleteAsync("web.vault.test.", "A", CancellationToken.None);
        await verifier.WaitAnsweredAsync(nameservers, new DnsRecordSet("web.vault.test.", "A", 5, []), CancellationToken.None);
        Assert.Null(await provider.GetAsync("web.vault.test.", "A", CancellationToken.None));
    }

    [Fact]
    public async Task Route53_ChangeIsPendingThenInsync_ThenAnsweredByEveryNameserver_WeightedSetKeepsItsWeight()
    {
        await using var servers = await LocalServers.StartAsync("bind");
        await using var fake = await FakeRoute53.StartAsync(servers.Port(DnsSpecs.Route53Fake));
        fake.OnInsync = DnsSpecs.MirrorInto(servers);
        fake.PendingFor = TimeSpan.FromMilliseconds(800);
        var spec = DnsSpecs.Route53(servers, fake);
        var provider = DnsProviders.Create(spec);
        var verifier = new NameserverVerifier(spec);

        var set = new DnsRecordSet("pg.vault.test.", "A", 5, ["127.0.1.2"]);
        var clock = Stopwatch.StartNew();
        var change = await provider.SetAsync(set, CancellationToken.None);
        Assert.StartsWith("C", change.Value, StringComparison.Ordinal);
        await provider.WaitLiveAsync(change, CancellationToken.None);
        Assert.True(clock.Elapsed >= fake.PendingFor, $"INSYNC reported after {clock.Elapsed}, before the change stopped being PENDING");
        Assert.True(fake.GetChangeCalls >= 2, $"GetChange polled {fake.GetChangeCalls} times; PENDING should have been seen first");
        await verifier.WaitAnsweredAsync(await verifier.DiscoverAsync(CancellationToken.None), set, CancellationToken.None);
        Assert.Equal("127.0.1.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind2), "pg.vault.test"));
        Assert.Equal(["ns1.vault.test.", "ns2.vault.test."], await provider.ListNameserversAsync(CancellationToken.None));

        var txt = new DnsRecordSet("mail.vault.test.", "TXT", 60, ["route53 \"quoted\" text"]);
        await provider.WaitLiveAsync(await provider.SetAsync(txt, CancellationToken.None), CancellationToken.None);
        Assert.True(txt.SameValues((await provider.GetAsync("mail.vault.test.", "TXT", CancellationToken.None))?.Values));

        var weightedSpec = DnsSpecs.Route53(servers, fake);
        weightedSpec.Route53!.SetIdentifier = "blue";
        weightedSpec.Route53.Weight = 90;
        var weighted = DnsProviders.Create(weightedSpec);
        await weighted.WaitLiveAsync(await weighted.SetAsync(new DnsRecordSet("app.vault.test.", "A", 5, ["127.0.6.1"]), CancellationToken.None), CancellationToken.None);
        Assert.Equal(90, fake.Sets[("app.vault.test.", "A", "blue")].Weight);

        await provider.WaitLiveAsync(await provider.DeleteAsync("pg.vault.test.", "A", CancellationToken.None), CancellationToken.None);
        Assert.Null(await provider.GetAsync("pg.vault.test.", "A", CancellationToken.None));
        Assert.Null(await Checks.DnsAsync(servers.Port(LocalServers.Bind1), "pg.vault.test"));
    }

    [Fact]
    public async Task Route53_BadInput_WrongSecretUnknownKeyMissingZoneWrongValue_FailWithRoute53sOwnError()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var fake = await FakeRoute53.StartAsync(servers.Port(DnsSpecs.Route53Fake));
        var set = new DnsRecordSet("pg.vault.test.", "A", 5, ["127.0.1.2"]);

        var wrongSecret = DnsSpecs.Route53(servers, fake);
        wrongSecret.Route53!.SecretAccessKey = new SecretReference { File = DnsSpecs.Secret(servers, "wrong-secret", "not-the-secret") };
        var e = await Assert.ThrowsAsync<FailoverStepException>(() => DnsProviders.Create(wrongSecret).SetAsync(set, CancellationToken.None));
        Assert.Contains("HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match", e.Message, StringComparison.Ordinal);

        var unknownKey = DnsSpecs.Route53(servers, fake);
        unknownKey.Route53!.AccessKeyId = new SecretReference { File = DnsSpecs.Secret(servers, "other-key", "AKIDNOTKNOWN") };
        e = await Assert.ThrowsAsync<FailoverStepException>(() => DnsProviders.Create(unknownKey).SetAsync(set, CancellationToken.None));
        Assert.Contains("HTTP 403 InvalidClientTokenId", e.Message, StringComparison.Ordinal);

        var missingZone = DnsSpecs.Route53(servers, fake);
        missingZone.Route53!.HostedZoneId = "Z0NOSUCHZONE";
        e = await Assert.ThrowsAsync<FailoverStepException>(() => DnsProviders.Create(missingZone).SetAsync(set, CancellationToken.None));
        Assert.Contains("HTTP 404 NoSuchHostedZone: No hosted zone found with ID: Z0NOSUCHZONE", e.Message, StringComparison.Ordinal);

        // A value of the wrong type for the record reaches Route 53 only if the step's own check is bypassed: it refuses the batch.
        e = await Assert.ThrowsAsync<FailoverStepException>(() =>
            DnsProviders.Create(DnsSpecs.Route53(servers, fake)).SetAsync(new DnsRecordSet("pg.vault.test.", "A", 5, ["db.vault.test."]), CancellationToken.None));
        Assert.Contains("HTTP 400 InvalidChangeBatch: ARRDATAIllegalIPv4Address", e.Message, StringComparison.Ordinal);
        var outside = await Assert.ThrowsAsync<FailoverStepException>(() =>
            DnsProviders.Create(DnsSpecs.Route53(servers, fake)).SetAsync(new DnsRecordSet("pg.other.test.", "A", 5, ["127.0.0.9"]), CancellationToken.None));
        Assert.Contains("is not permitted in zone vault.test.", outside.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Sets);

        var missing = await Assert.ThrowsAsync<FormatException>(() => Task.FromResult(DnsRecordValues.Normalize("MX", "mx1.vault.test")));
        Assert.Contains("must be 'PREFERENCE HOST'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Route53_Throttling_RetriedWithBackoff_ThenAStormFailsWithAClearError()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var fake = await FakeRoute53.StartAsync(servers.Port(DnsSpecs.Route53Fake));
        fake.PendingFor = TimeSpan.Zero;
        var spec = DnsSpecs.Route53(servers, fake);
        var set = new DnsRecordSet("pg.vault.test.", "A", 5, ["127.0.1.2"]);

        fake.ThrottleNext = 2;
        await DnsProviders.Create(spec).SetAsync(set, CancellationToken.None);
        Assert.Equal(3, fake.Requests);

        fake.ThrottleNext = 1000;
        var before = fake.Requests;
        var e = await Assert.ThrowsAsync<FailoverStepException>(() => DnsProviders.Create(spec).SetAsync(set, CancellationToken.None));
        Assert.Equal(spec.Route53!.MaxAttempts, fake.Requests - before);
        Assert.Contains("Route 53 kept throttling: 5 attempts of POST /2013-04-01/hostedzone/Z0VAULTTEST/rrset answered HTTP 400", e.Message, StringComparison.Ordinal);
        Assert.Contains("<Code>Throttling</Code>", e.Message, StringComparison.Ordinal);

        // 429 with Retry-After: 1 — the wait honours it.
        fake.ThrottleNext = 1;
        fake.ThrottleWith429 = true;
        var clock = Stopwatch.StartNew();
        await DnsProviders.Create(spec).SetAsync(set, CancellationToken.None);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}, before Retry-After");
    }

    [Fact]
    public async Task Cloudflare_RecordSetsMirroredAndAnswered_BadTokenMissingZoneWrongTypeAndThrottling()
    {
        await using var servers = await LocalServers.StartAsync("bind");
        await using var fake = await FakeCloudflare.StartAsync(servers.Port(DnsSpecs.CloudflareFake));
        fake.OnChanged = DnsSpecs.MirrorInto(servers);
        var spec = DnsSpecs.Cloudflare(servers, fake);
        var provider = DnsProviders.Create(spec);
        var verifier = new NameserverVerifier(spec);
        var nameservers = await verifier.DiscoverAsync(CancellationToken.None);

        var two = new DnsRecordSet("web.vault.test.", "A", 60, ["127.0.7.1", "127.0.7.2"]);
        await provider.SetAsync(two, CancellationToken.None);
        await verifier.WaitAnsweredAsync(nameservers, two, CancellationToken.None);
        var one = new DnsRecordSet("web.vault.test.", "A", 60, ["127.0.7.3"]);
        await provider.SetAsync(one, CancellationToken.None);
        await verifier.WaitAnsweredAsync(nameservers, one, CancellationToken.None);
        Assert.Single(fake.Records.Values, r => (string?)r["name"] == "web.vault.test");
        await provider.SetAsync(new DnsRecordSet("mx1.vault.test.", "A", 60, ["127.0.8.1"]), CancellationToken.None);
        var mx = new DnsRecordSet("mail.vault.test.", "MX", 300, ["10 mx1.vault.test."]);
        await provider.SetAsync(mx, CancellationToken.None);
        Assert.True(mx.SameValues((await provider.GetAsync("mail.vault.test.", "MX", CancellationToken.None))?.Values));
        Assert.Equal(["ns1.vault.test.", "ns2.vault.test."], await provider.ListNameserversAsync(CancellationToken.None));

        var badToken = DnsSpecs.Cloudflare(servers, fake);
        badToken.Cloudflare!.ApiToken = new SecretReference { File = DnsSpecs.Secret(servers, "bad-token", "revoked-token") };
        var e = await Assert.ThrowsAsync<FailoverStepException>(() => DnsProviders.Create(badToken).SetAsync(one, CancellationToken.None));
        Assert.Contains("HTTP 403 10000 Authentication error", e.Message, StringComparison.Ordinal);

        var noZone = DnsSpecs.Cloudflare(servers, fake);
        noZone.Zone = "other.test";
        e = await Assert.ThrowsAsync<FailoverStepException>(() => DnsProviders.Create(noZone).SetAsync(new DnsRecordSet("pg.other.test.", "A", 60, ["127.0.0.9"]), CancellationToken.None));
        Assert.Contains("Cloudflare has no zone named other.test", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<FailoverStepException>(() => provider.SetAsync(new DnsRecordSet("web.vault.test.", "A", 60, ["web2.vault.test."]), CancellationToken.None));
        Assert.Contains("HTTP 400 9005 Content for A record is invalid", e.Message, StringComparison.Ordinal);
        Assert.Equal("127.0.7.3", await Checks.DnsAsync(servers.Port(LocalServers.Bind2), "web.vault.test"));

        fake.ThrottleNext = 1000;
        var before = fake.Requests;
        e = await Assert.ThrowsAsync<FailoverStepException>(() => provider.SetAsync(one, CancellationToken.None));
        Assert.Equal(5, fake.Requests - before);
        Assert.Contains("Cloudflare kept throttling: 5 attempts", e.Message, StringComparison.Ordinal);
        Assert.Contains("971", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_NamesKeyValueAndRule_ForEachProvider()
    {
        var spec = new FailoverServiceSpec
        {
            Engine = FailoverEngine.PostgreSql,
            Primary = new FailoverNodeSpec { Name = "pg1", Port = 5432, DnsValue = "127.0.1.1" },
            Replicas = [new FailoverNodeSpec { Name = "pg2", Port = 5433, DnsValue = "pg2" }],
            Dns = new DnsSpec { Kind = "Route52", Zone = "vault.test", Name = "pg.vault.test", Type = "A", Server = "127.0.0.1:53" },
        };
        var errors = FailoverSpecValidator.Validate("pg", spec);
        Assert.Contains("Vault:Failover:Services:pg:Dns:Kind is 'Route52'; must be Rfc2136, Route53 or Cloudflare", errors);
        Assert.Contains("Vault:Failover:Services:pg:Replicas:0:DnsValue is 'pg2'; must be an IPv4 address for a A record", errors);

        spec.Dns = new DnsSpec
        {
            Kind = "Route53", Zone = "vault.test", Name = "pg.vault.test", Type = "MX", Resolver = "127.0.0.1:53",
            Route53 = new Route53Spec { HostedZoneId = "z-lower", SetIdentifier = "blue" },
        };
        spec.Primary.DnsValue = "10 mx1.vault.test";
        spec.Replicas[0].DnsValue = "mx2.vault.test";
        errors = FailoverSpecValidator.Validate("pg", spec);
        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:pg:Dns:Route53:HostedZoneId is 'z-lower'; must be the hosted zone id", StringComparison.Ordinal));
        Assert.Contains("Vault:Failover:Services:pg:Dns:Route53:AccessKeyId is 'none'; must give File or Env holding the access key id", errors);
        Assert.Contains("Vault:Failover:Services:pg:Dns:Route53:Weight is ''; SetIdentifier and Weight go together (a weighted record needs both)", errors);
        Assert.Contains("Vault:Failover:Services:pg:Replicas:0:DnsValue is 'mx2.vault.test'; must be 'PREFERENCE HOST' for an MX record, e.g. '10 mail.example.com'", errors);
        Assert.DoesNotContain(errors, e => e.Contains("Tsig", StringComparison.Ordinal) || e.Contains("Primary:DnsValue", StringComparison.Ordinal));

        spec.Dns = new DnsSpec { Kind = "Cloudflare", Zone = "vault.test", Name = "pg.vault.test", Type = "SRV", Resolver = "127.0.0.1:53" };
        errors = FailoverSpecValidator.Validate("pg", spec);
        Assert.Contains("Vault:Failover:Services:pg:Dns:Cloudflare is '(missing)'; must be set when Dns:Kind is Cloudflare", errors);
    }
}
