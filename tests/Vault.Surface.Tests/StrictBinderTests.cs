extern alias gateway;

using gateway::Vault.Configuration;
using Microsoft.Extensions.Configuration;

namespace Vault.Surface.Tests;

/// <summary>The strict binder against the shapes the stock binder gets wrong: dictionaries and lists of options, enums, typos.</summary>
public sealed class StrictBinderTests
{
    public enum Engine
    {
        Postgres,
        Redis,
    }

    [Flags]
    public enum Grouping
    {
        None = 0,
        Node = 1,
        Paths = 2,
    }

    public sealed class Endpoint
    {
        public string Host { get; set; } = "";

        public int Port { get; set; }
    }

    public sealed class Service
    {
        public Engine Engine { get; set; }

        public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

        public List<Endpoint> Replicas { get; set; } = [];

        public Grouping GroupBy { get; set; }

        public int? Limit { get; set; }

        public string Computed => Engine.ToString();
    }

    public sealed class Root
    {
        public Dictionary<string, Service> Services { get; set; } = [];

        public string[] Tags { get; set; } = [];

        public bool Enabled { get; set; }
    }

    public static TheoryData<string, string, string> Rejected => new()
    {
        { "App:Services:orders:Engine", "Oracle", "App:Services:orders:Engine is 'Oracle'; must be Postgres or Redis" },
        { "App:Services:orders:Engine", "7", "App:Services:orders:Engine is '7'; must be Postgres or Redis" },
        { "App:Services:orders:CheckInterval", "1s", "App:Services:orders:CheckInterval is '1s'; must be a time span: hh:mm:ss, or d.hh:mm:ss" },
        { "App:Services:orders:Replicas:0:Port", "abc", "App:Services:orders:Replicas:0:Port is 'abc'; must be a whole number" },
        { "App:Services:orders:Replicas:first:Port", "1", "App:Services:orders:Replicas:first: 'first' is not a list index" },
        { "App:Services:orders:GroupBy", "Node,Tags", "App:Services:orders:GroupBy is 'Node,Tags'; must be None or a comma list of Node, Paths" },
        { "App:Services:orders:Limit", "ten", "App:Services:orders:Limit is 'ten'; must be a whole number" },
        { "App:Services:orders:Computed", "x", "App:Services:orders:Computed is not a setting (unknown key)" },
        { "App:Services:orders:Replica:0:Port", "1", "App:Services:orders:Replica is not a setting (unknown key); did you mean App:Services:orders:Replicas?" },
        { "App:Enabled", "yes", "App:Enabled is 'yes'; must be true or false" },
        { "App:Enabled:Really", "true", "App:Enabled takes a single value (must be true or false); it has sub-keys Really" },
        { "App:Services", "orders", "App:Services is 'orders'; it is a section, not a single value" },
        { "App:Zzzzzzzz", "1", "App:Zzzzzzzz is not a setting (unknown key); the keys of App are Enabled, Services, Tags" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Bind_ValueThatDoesNotBind_IsAnErrorNamingTheKey(string key, string value, string expected)
    {
        var configuration = Configuration((key, value));
        var error = Assert.Throws<ConfigurationBindingException>(() => StrictBinder.Bind<Root>(configuration, "App"));
        Assert.Contains(error.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_GoodValues_BindLikeTheStockBinder()
    {
        var configuration = Configuration(
            ("App:Services:orders:Engine", "redis"),
            ("App:Services:orders:CheckInterval", "00:00:05"),
            ("App:Services:orders:Replicas:0:Host", "10.0.0.2"),
            ("App:Services:orders:Replicas:0:Port", "6379"),
            ("App:Services:orders:GroupBy", "Node, Paths"),
            ("App:Services:orders:Limit", ""),
            ("App:Tags:0", "a"),
            ("App:Tags:1", "b"),
            ("App:Enabled", "True"));
        var root = StrictBinder.Bind<Root>(configuration, "App");
        var service = Assert.Single(root.Services).Value;
        Assert.Equal(Engine.Redis, service.Engine);
        Assert.Equal(TimeSpan.FromSeconds(5), service.CheckInterval);
        Assert.Equal(6379, Assert.Single(service.Replicas).Port);
        Assert.Equal(Grouping.Node | Grouping.Paths, service.GroupBy);
        Assert.Null(service.Limit);
        Assert.Equal(["a", "b"], root.Tags);
        Assert.True(root.Enabled);
    }

    [Fact]
    public void Bind_EveryProblem_IsReportedAtOnce()
    {
        var configuration = Configuration(("App:Services:a:Engine", "Oracle"), ("App:Services:b:Port", "1"), ("App:Enabled", "maybe"));
        var error = Assert.Throws<ConfigurationBindingException>(() => StrictBinder.Bind<Root>(configuration, "App"));
        Assert.Equal(3, error.Errors.Count);
    }

    [Fact]
    public void Bind_MissingSection_GivesDefaults()
    {
        var root = StrictBinder.Bind<Root>(Configuration(), "App");
        Assert.Empty(root.Services);
    }

    [Fact]
    public void Schema_RegisteredSubSection_IsNotAnUnknownKeyOfItsParent_AndIsCheckedItself()
    {
        var schema = new ConfigurationSchema().Add<Endpoint>("App").Add<Root>("App:Nested");
        Assert.Empty(schema.Check(Configuration(("App:Host", "h"), ("App:Nested:Enabled", "true"))));

        var errors = schema.Check(Configuration(("App:Nestd:Enabled", "true"), ("App:Nested:Enabled", "maybe")));
        Assert.Contains("App:Nestd is not a setting (unknown key); did you mean App:Nested?", errors);
        Assert.Contains("App:Nested:Enabled is 'maybe'; must be true or false", errors);
    }

    [Fact]
    public void Schema_FromAssembly_FindsSectionsByAttribute()
    {
        var schema = new ConfigurationSchema().AddAssembly(typeof(gateway::Vault.Gateway.GatewayOptions).Assembly);
        Assert.Equal(typeof(gateway::Vault.Gateway.GatewayOptions), schema.Sections["Vault:Gateway"]);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
