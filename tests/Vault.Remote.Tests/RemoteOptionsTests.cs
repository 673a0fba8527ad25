using Microsoft.Extensions.Configuration;
using Vault.Remote.Hosts;

namespace Vault.Remote.Tests;

public sealed class RemoteOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vault-remote-options-").FullName;

    private string Key
    {
        get
        {
            var path = Path.Combine(_dir, "id");
            if (!File.Exists(path))
            {
                File.WriteAllText(path, "not parsed at start");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return path;
        }
    }

    [Fact]
    public void Bind_CompleteHost_ReadsEveryKey()
    {
        var options = RemoteOptions.Bind(Config(("Address", "db1.internal"), ("Port", "2222"), ("User", "vault"), ("PrivateKeyFile", Key),
            ("KnownHostsFile", Path.Combine(_dir, "known_hosts")), ("ConnectTimeout", "00:00:05"), ("CommandTimeout", "00:02:00"),
            ("MaxConcurrency", "2"), ("MaxCaptureBytes", "8192"), ("MaxFileBytes", "1048576")));

        var host = options.Hosts["db1"];
        Assert.Empty(options.Validate());
        Assert.Equal(("db1", "db1.internal", 2222, "vault"), (host.Name, host.Address, host.Port, host.User));
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2), 2, 8192, 1048576L),
            (host.ConnectTimeout, host.CommandTimeout, host.MaxConcurrency, host.MaxCaptureBytes, host.MaxFileBytes));
        Assert.Equal("[db1.internal]:2222", host.KnownHostsName);
    }

    [Fact]
    public void Bind_MisspeltKey_StopsNamingIt()
    {
        var e = Assert.Throws<RemoteConfigurationException>(() => RemoteOptions.Bind(Config(("Adress", "x"))));

        Assert.Contains("Vault:Remote:Hosts:db1", e.Message, StringComparison.Ordinal);
        Assert.Contains("Adress", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_UnknownKeyBesideHosts_StopsNamingIt()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Vault:Remote:Host:db1:Address"] = "x" }).Build();

        var e = Assert.Throws<RemoteConfigurationException>(() => RemoteOptions.Bind(config));

        Assert.Contains("Host", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Port", "twenty-two", "Vault:Remote:Hosts:db1:Port is 'twenty-two'; must be a whole number")]
    [InlineData("CommandTimeout", "5 minutes", "Vault:Remote:Hosts:db1:CommandTimeout is '5 minutes'; must be a time span")]
    public void Bind_ValueThatDoesNotConvert_StopsNamingKeyValueAndRule(string key, string value, string expected)
    {
        var e = Assert.Throws<RemoteConfigurationException>(() => RemoteOptions.Bind(Config((key, value))));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Port", "0", "Vault:Remote:Hosts:db1:Port is 0; must be 1-65535")]
    [InlineData("User", "", "Vault:Remote:Hosts:db1:User is ''")]
    [InlineData("Address", "", "Vault:Remote:Hosts:db1:Address is ''")]
    [InlineData("MaxConcurrency", "0", "Vault:Remote:Hosts:db1:MaxConcurrency is 0; must be 1-64")]
    [InlineData("CommandTimeout", "00:00:00.5", "Vault:Remote:Hosts:db1:CommandTimeout is 00:00:00.5000000; must be 00:00:01 to 1.00:00:00")]
    [InlineData("MaxCaptureBytes", "10", "Vault:Remote:Hosts:db1:MaxCaptureBytes is 10")]
    [InlineData("ServiceCommand", "/etc/init.d/x", "Vault:Remote:Hosts:db1:ServiceCommand is '/etc/init.d/x'; must contain {service} and {action}")]
    [InlineData("PassphraseEnv", "VAULT_TEST_SURELY_UNSET_VARIABLE", "Vault:Remote:Hosts:db1:PassphraseEnv is 'VAULT_TEST_SURELY_UNSET_VARIABLE'; that environment variable is not set")]
    [InlineData("KnownHostsFile", "/nonexistent-dir/known_hosts", "Vault:Remote:Hosts:db1:KnownHostsFile is '/nonexistent-dir/known_hosts'; its directory does not exist")]
    public void Validate_BadValue_NamesKeyValueAndRule(string key, string value, string expected)
    {
        var pairs = new Dictionary<string, string>
        {
            ["Address"] = "127.0.0.1", ["User"] = "vault", ["PrivateKeyFile"] = Key, ["KnownHostsFile"] = Path.Combine(_dir, "known_hosts"),
        };
        pairs[key] = value;

        var problems = RemoteOptions.Bind(Config(pairs.Select(p => (p.Key, p.Value)).ToArray())).Validate().ToList();

        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MissingKeyFile_NamesIt()
    {
        var missing = Path.Combine(_dir, "missing");
        var problems = RemoteOptions.Bind(Config(("Address", "h"), ("User", "u"), ("PrivateKeyFile", missing), ("KnownHostsFile", Path.Combine(_dir, "k")))).Validate();

        Assert.Contains($"Vault:Remote:Hosts:db1:PrivateKeyFile '{missing}' does not exist", problems);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.ToDictionary(p => $"Vault:Remote:Hosts:db1:{p.Key}", p => (string?)p.Value)).Build();
}
