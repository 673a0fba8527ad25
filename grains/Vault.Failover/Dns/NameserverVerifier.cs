// After a provider reports its change live, the step does not take its word: it asks the zone's NS set
// (a real DNS query, so a nameserver added to the delegation is covered without a configuration change),
// resolves each nameserver, and polls every one until each answers exactly the new record set. The
// configured Nameservers list is added to the discovered set, never a substitute for it.
using System.Globalization;
using System.Net;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Lookup = DnsClient;

namespace Vault.Grains.Failover.Dns;

public sealed class NameserverVerifier(DnsSpec spec)
{
    private static readonly TimeSpan _queryTimeout = TimeSpan.FromMilliseconds(700);

    /// <summary>host:port of every authoritative nameserver of the zone: the NS set asked of the resolver, plus the configured list.</summary>
    public async Task<IReadOnlyList<string>> DiscoverAsync(CancellationToken cancellationToken)
    {
        var resolver = string.IsNullOrEmpty(spec.Resolver) ? spec.Server : spec.Resolver;
        var port = spec.NameserverPort ?? (spec.Kind == DnsProviders.Rfc2136 ? FailoverSpecValidator.SplitEndpoint(spec.Server).Port : 53);
        var client = await ClientAsync(resolver, cancellationToken);
        var zone = DnsRecordValues.Fqdn(spec.Zone);
        Lookup.IDnsQueryResponse ns;
        try
        {
            ns = await client.QueryAsync(zone, Lookup.QueryType.NS, Lookup.QueryClass.IN, cancellationToken);
        }
        catch (Lookup.DnsResponseException e)
        {
            throw new FailoverStepException($"cannot discover the nameservers of {zone}: {resolver} did not answer the NS query ({e.Message})", e);
        }

        var names = ns.Answers.NsRecords().Select(r => DnsRecordValues.Fqdn(r.NSDName.Value)).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            throw new FailoverStepException($"cannot discover the nameservers of {zone}: {resolver} answers no NS records ({ns.Header.ResponseCode})");
        }

        var found = new List<string>();
        var overrides = spec.NameserverAddresses.ToDictionary(p => DnsRecordValues.Fqdn(p.Key), p => p.Value, StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (overrides.TryGetValue(name, out var reached))
            {
                found.Add(reached);
                continue;
            }

            var glue = ns.Additionals.ARecords().Where(a => DnsRecordValues.Fqdn(a.DomainName.Value) == name).Select(a => a.Address).ToList();
            if (glue.Count == 0)
            {
                var a = await client.QueryAsync(name, Lookup.QueryType.A, Lookup.QueryClass.IN, cancellationToken);
                glue = a.Answers.ARecords().Select(r => r.Address).ToList();
            }

            if (glue.Count == 0)
            {
                throw new FailoverStepException($"nameserver {name} of {zone} has no address on {resolver}");
            }

            found.AddRange(glue.Select(ip => string.Create(CultureInfo.InvariantCulture, $"{ip}:{port}")));
        }

        return found.Concat(spec.Nameservers).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Polls every nameserver until each answers exactly <paramref name="expected"/>; throws naming those that do not when <see cref="DnsSpec.PropagationTimeout"/> passes.</summary>
    public async Task<TimeSpan> WaitAnsweredAsync(IReadOnlyList<string> nameservers, DnsRecordSet expected, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var pending = nameservers.ToDictionary(s => s, _ => "not asked yet", StringComparer.Ordinal);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(spec.PropagationTimeout);
        try
        {
            while (true)
            {
                foreach (var server in pending.Keys.ToList())
                {
                    var answer = await QueryAsync(server, expected.Name, expected.Type, deadline.Token);
                    if (expected.SameValues(answer))
                    {
                        pending.Remove(server);
                    }
                    else
                    {
                        pending[server] = answer is null ? "no answer" : answer.Count == 0 ? "no such record" : string.Join(", ", answer);
                    }
                }

                if (pending.Count == 0)
                {
                    return DateTime.UtcNow - started;
                }

                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FailoverStepException(
                $"DNS {expected} is not answered by every authoritative nameserver after {spec.PropagationTimeout.TotalSeconds:0.#} s: " +
                string.Join("; ", pending.Select(p => $"{p.Key} answers {p.Value}")));
        }
    }

    /// <summary>The record set's values on one nameserver: empty when it has none, null when it does not answer.</summary>
    public static async Task<IReadOnlyList<string>?> QueryAsync(string server, string name, string type, CancellationToken cancellationToken)
    {
        try
        {
            var client = await ClientAsync(server, cancellationToken);
            var response = await client.QueryAsync(DnsRecordValues.Fqdn(name), DnsRecordValues.QueryTypeOf(type), Lookup.QueryClass.IN, cancellationToken);
            if (response.HasError && response.Header.ResponseCode != Lookup.DnsHeaderResponseCode.NotExistentDomain)
            {
                return null;
            }

            return response.Answers.Where(a => a.RecordType == (Lookup.Protocol.ResourceRecordType)DnsRecordValues.QueryTypeOf(type))
                .Select(DnsRecordValues.FromAnswer).OfType<string>().ToList();
        }
        catch (Lookup.DnsResponseException)
        {
            return null;
        }
    }

    private static async Task<Lookup.LookupClient> ClientAsync(string server, CancellationToken cancellationToken)
    {
        var (host, port) = FailoverSpecValidator.SplitEndpoint(server);
        var address = IPAddress.TryParse(host, out var ip) ? ip : (await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken))[0];
        return new Lookup.LookupClient(new Lookup.LookupClientOptions(new Lookup.NameServer(address, port))
        {
            UseCache = false,
            Timeout = _queryTimeout,
            Retries = 0,
            UseTcpFallback = true,
            ThrowDnsErrors = false,
        });
    }
}
