using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Vault.Remote.Commands;
using Vault.Remote.Trust;
using Vault.Remote.Tests.Infrastructure;

namespace Vault.Remote.Tests;

/// <summary>Host key pinning, credentials and reachability against a real sshd; each test has a server of its own because some change it.</summary>
public sealed class HostKeyTests
{
    [Fact]
    public async Task RunAsync_HostKeyNotInKnownHosts_RefusedNamingHostAndFingerprint()
    {
        await using var server = await SshServer.StartAsync();
        var empty = Path.Combine(server.RunDir, "client", "empty_known_hosts");
        await File.WriteAllTextAsync(empty, "");
        await using var services = SshServer.Services(server.Host("db1", h => h.KnownHostsFile = empty));
        using var refusals = new RefusalCounter();

        var e = await Assert.ThrowsAsync<RemoteHostKeyException>(() => services.GetRequiredService<IRemoteShell>().RunAsync("db1", "true"));

        Assert.Contains("'db1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown", e.Message, StringComparison.Ordinal);
        Assert.Contains(await server.HostFingerprintAsync(), e.Message, StringComparison.Ordinal);
        Assert.Contains($"[127.0.0.1]:{server.Port}", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, refusals.For("db1", "unknown"));
    }

    [Fact]
    public async Task RunAsync_HostKeyChanged_RefusedNamingBothFingerprints()
    {
        await using var server = await SshServer.StartAsync();
        await using var services = SshServer.Services(server.Host("db1"));
        var shell = services.GetRequiredService<IRemoteShell>();
        Assert.True((await shell.RunAsync("db1", "true")).Succeeded);
        var pinned = await server.HostFingerprintAsync();
        using var refusals = new RefusalCounter();

        await server.RekeyAsync();
        var offered = await server.HostFingerprintAsync();
        var e = await Assert.ThrowsAsync<RemoteHostKeyException>(() => shell.RunAsync("db1", "touch should-not-exist"));

        Assert.NotEqual(pinned, offered);
        Assert.Contains("'db1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("CHANGED", e.Message, StringComparison.Ordinal);
        Assert.Contains(offered, e.Message, StringComparison.Ordinal);
        Assert.Contains(pinned, e.Message, StringComparison.Ordinal);
        Assert.Equal(1, refusals.For("db1", "changed"));
        Assert.False(File.Exists(Path.Combine(server.Files, "should-not-exist")));
    }

    [Fact]
    public async Task Trust_WithTheOfferedFingerprint_PinsItAndOpenSshAgrees()
    {
        await using var server = await SshServer.StartAsync();
        var knownHosts = Path.Combine(server.RunDir, "client", "trusted_known_hosts");
        await using var services = SshServer.Services(server.Host("db1", h => h.KnownHostsFile = knownHosts));
        var trust = services.GetRequiredService<IHostKeyTrust>();
        var expected = HostFingerprint.Parse(await server.HostFingerprintAsync());

        var scan = await trust.ScanAsync("db1");
        var wrong = await Assert.ThrowsAsync<RemoteHostKeyException>(() => trust.TrustAsync("db1", HostFingerprint.Of([1, 2, 3])));
        Assert.False(File.Exists(knownHosts));
        var trusted = await trust.TrustAsync("db1", expected);
        var again = await trust.TrustAsync("db1", expected);

        Assert.Equal(HostKeyVerdict.Unknown, scan.Verdict);
        Assert.Equal(expected, scan.Offered.Fingerprint);
        Assert.Contains(expected.Value, wrong.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was recorded", wrong.Message, StringComparison.Ordinal);
        Assert.False(trusted.AlreadyPinned);
        Assert.True(again.AlreadyPinned);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(knownHosts));
        Assert.True((await services.GetRequiredService<IRemoteShell>().RunAsync("db1", "true")).Succeeded);
        // The file Vault wrote is one OpenSSH itself accepts with strict checking.
        Assert.Equal("ok", await SshServer.RunAsync("ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={knownHosts}",
            "-i", server.ClientKey, "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{server.User}@127.0.0.1", "echo ok"));
    }

    [Fact]
    public async Task Trust_AfterTheHostWasRekeyed_ReplacesTheOldPin()
    {
        await using var server = await SshServer.StartAsync();
        await using var services = SshServer.Services(server.Host("db1"));
        var trust = services.GetRequiredService<IHostKeyTrust>();
        var old = HostFingerprint.Parse(await server.HostFingerprintAsync());

        await server.RekeyAsync();
        var fresh = HostFingerprint.Parse(await server.HostFingerprintAsync());
        var scan = await trust.ScanAsync("db1");
        var result = await trust.TrustAsync("db1", fresh);

        Assert.Equal(HostKeyVerdict.Changed, scan.Verdict);
        Assert.Equal([old], result.Replaced);
        Assert.Single(KnownHostsFile.Load(server.KnownHosts).Entries);
        Assert.True((await services.GetRequiredService<IRemoteShell>().RunAsync("db1", "true")).Succeeded);
    }

    [Fact]
    public async Task RunAsync_KeyTheServerDoesNotAuthorize_RefusedNamingUser()
    {
        await using var server = await SshServer.StartAsync();
        await using var services = SshServer.Services(server.Host("db1", h => h.PrivateKeyFile = server.WrongKey));

        var e = await Assert.ThrowsAsync<RemoteAccessException>(() => services.GetRequiredService<IRemoteShell>().RunAsync("db1", "true"));

        Assert.Contains($"refused user '{server.User}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(server.WrongKey, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_KeyFileReadableByOthers_RefusedBeforeConnecting()
    {
        await using var server = await SshServer.StartAsync();
        var open = Path.Combine(server.RunDir, "client", "open_key");
        File.Copy(server.ClientKey, open);
        File.SetUnixFileMode(open, (UnixFileMode)Convert.ToInt32("644", 8));
        var host = server.Host("db1", h => h.PrivateKeyFile = open);

        var problems = Hosts.RemoteOptions.Of(host).Validate().ToList();
        await using var services = new ServiceCollection().AddLogging().AddVaultRemote(Hosts.RemoteOptions.Of(host)).BuildServiceProvider();
        var e = await Assert.ThrowsAsync<RemoteAccessException>(() => services.GetRequiredService<IRemoteShell>().RunAsync("db1", "true"));

        Assert.Contains(problems, p => p.Contains("Vault:Remote:Hosts:db1:PrivateKeyFile", StringComparison.Ordinal) && p.Contains("mode 0644", StringComparison.Ordinal));
        Assert.Contains("mode 0644", e.Message, StringComparison.Ordinal);
        Assert.Contains(open, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SshdStopped_UnavailableWithAClearMessage()
    {
        await using var server = await SshServer.StartAsync();
        await using var services = SshServer.Services(server.Host("db1"));
        var shell = services.GetRequiredService<IRemoteShell>();
        Assert.True((await shell.RunAsync("db1", "true")).Succeeded);

        await server.StopAsync();
        var e = await Assert.ThrowsAsync<RemoteUnavailableException>(() => shell.RunAsync("db1", "true"));

        Assert.Contains("'db1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be reached", e.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{server.Port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EncryptedKeyWithPassphraseFromEnvironment_Authenticates()
    {
        await using var server = await SshServer.StartAsync();
        var encrypted = Path.Combine(server.RunDir, "client", "encrypted_key");
        File.Copy(server.ClientKey, encrypted);
        File.SetUnixFileMode(encrypted, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await SshServer.RunAsync("ssh-keygen", "-q", "-p", "-P", "", "-N", "s3cret phrase", "-f", encrypted);
        var variable = $"VAULT_TEST_PASSPHRASE_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "s3cret phrase");
        try
        {
            await using var services = SshServer.Services(server.Host("db1", h => { h.PrivateKeyFile = encrypted; h.PassphraseEnv = variable; }));

            Assert.True((await services.GetRequiredService<IRemoteShell>().RunAsync("db1", "true")).Succeeded);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    /// <summary>Counts vault_remote_host_key_refusals_total measurements made while it lives.</summary>
    private sealed class RefusalCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Host, string Reason)> _seen = [];

        public RefusalCounter()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Vault" && instrument.Name == "vault_remote_host_key_refusals_total")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                string? host = null, reason = null;
                foreach (var t in tags)
                {
                    if (t.Key == "host") { host = t.Value as string; }
                    if (t.Key == "reason") { reason = t.Value as string; }
                }

                lock (_seen)
                {
                    _seen.Add((host ?? "", reason ?? ""));
                }
            });
            _listener.Start();
        }

        public int For(string host, string reason)
        {
            lock (_seen)
            {
                return _seen.Count(s => s.Host == host && s.Reason == reason);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
