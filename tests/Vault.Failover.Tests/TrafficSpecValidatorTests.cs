using Vault.Grains.Failover;

namespace Vault.Failover.Tests;

public sealed class TrafficSpecValidatorTests
{
    private static readonly (TrafficSpec Spec, string? Expected)[] Table =
    [
        (new TrafficSpec { RuntimeApi = "127.0.0.1:9999", Backend = "pg" }, null),
        (new TrafficSpec { Backend = "pg" }, "T:RuntimeApi is ''; Traffic:Kind Haproxy needs RuntimeApi"),
        (new TrafficSpec { RuntimeApi = "127.0.0.1:9999", StatsUrl = "http://h/stats", StatsUser = "a", StatsPassword = new() { Env = "X" }, Backend = "pg" }, "T:StatsUrl is 'http://h/stats'; give RuntimeApi or StatsUrl, not both"),
        (new TrafficSpec { StatsUrl = "http://h/stats", Backend = "pg" }, "T:StatsUser is ''; must name the user of 'stats auth'"),
        (new TrafficSpec { StatsUrl = "ftp://h/stats", StatsUser = "a", StatsPassword = new() { Env = "X" }, Backend = "pg" }, "T:StatsUrl is 'ftp://h/stats'; must be the http:// or https:// URL"),
        (new TrafficSpec { Kind = TrafficKind.Nginx, RemoteHost = "lb", UpstreamFile = "/etc/nginx/u.conf", Upstream = "pg" }, null),
        (new TrafficSpec { Kind = TrafficKind.Nginx, RemoteHost = "lb", UpstreamFile = "u.conf", Upstream = "pg" }, "T:UpstreamFile is 'u.conf'; must be the absolute path"),
        (new TrafficSpec { Kind = TrafficKind.Nginx, UpstreamFile = "/u.conf", Upstream = "pg" }, "T:RemoteHost is ''; must name the Nginx machine"),
        (new TrafficSpec { Kind = TrafficKind.NginxPlus, ApiUrl = "http://lb:8080/api", Upstream = "pg" }, null),
        (new TrafficSpec { Kind = TrafficKind.NginxPlus, ApiUrl = "http://lb:8080/api", Upstream = "pg", ApiModule = "mail" }, "T:ApiModule is 'mail'; must be http or stream"),
        (new TrafficSpec { Kind = TrafficKind.NginxPlus, Upstream = "pg" }, "T:ApiUrl is ''; must be the http:// or https:// base URL"),
        (new TrafficSpec { Kind = (TrafficKind)7 }, "T:Kind is '7'; must be Haproxy, Nginx or NginxPlus"),
        (new TrafficSpec { RuntimeApi = "127.0.0.1:9999", Backend = "pg", CheckEndpoint = "nowhere" }, "T:CheckEndpoint is 'nowhere'; must be host:port"),
    ];

    public static TheoryData<int> Cases => new(Enumerable.Range(0, Table.Length));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_NamesKeyValueAndRule(int row)
    {
        var (spec, expected) = Table[row];
        var errors = TrafficSpecValidator.Validate("T", spec);
        if (expected is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        }
    }
}
