// Every SSH connection Vault opens goes through here, so that every one of them pins the host key: with no
// HostKeyReceived handler SSH.NET trusts ANY key. The offered key blob is compared byte for byte with the keys
// known_hosts pins for "[address]:port"; anything else aborts the handshake before authentication. The host key
// algorithms offered to the server are narrowed to the types pinned for the host (as ssh does), so a server
// with several host keys presents the pinned one rather than being reported as changed.
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;
using Vault.Remote.Hosts;
using Vault.Remote.Trust;

namespace Vault.Remote;

public sealed partial class SshConnector(RemoteMetrics metrics, ILogger<SshConnector> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.Ordinal);

    /// <summary>Waits for a slot of the host, connects, checks the host key, authenticates.</summary>
    public async Task<SshLease<T>> ConnectAsync<T>(RemoteHostOptions host, Func<ConnectionInfo, T> create, CancellationToken cancellationToken)
        where T : BaseClient
    {
        var slot = _slots.GetOrAdd(host.Name, _ => new SemaphoreSlim(host.MaxConcurrency, host.MaxConcurrency));
        await slot.WaitAsync(cancellationToken);
        T? client = null;
        try
        {
            var known = KnownHostsFile.Load(host.KnownHostsFile);
            client = create(Connection(host, known, PrivateKey(host)));
            await HandshakeAsync(client, host, known, cancellationToken);
            return new SshLease<T>(client, slot);
        }
        catch
        {
            client?.Dispose();
            slot.Release();
            throw;
        }
    }

    /// <summary>Connects only as far as the key exchange and reports the key the host offered, judged against known_hosts.</summary>
    public async Task<HostKeyOffer> ScanAsync(RemoteHostOptions host, CancellationToken cancellationToken)
    {
        var known = KnownHostsFile.Load(host.KnownHostsFile);
        var connection = Connection(host, known, new NoneAuthenticationMethod(host.User));
        using var client = new SshClient(connection);
        HostKeyOffer? offer = null;
        client.HostKeyReceived += (_, e) =>
        {
            offer = HostKeyOffer.Judge(host.Name, host.KnownHostsName, known, HostKey.FromBlob(e.HostKey));
            e.CanTrust = false;
        };
        try
        {
            await ConnectWithin(client, host, cancellationToken);
        }
        catch (SshConnectionException) when (offer is not null)
        {
            // Refused on purpose once the key was seen: nothing was authenticated.
        }
        catch (Exception e) when (Translate(e, host, cancellationToken) is { } translated)
        {
            throw translated;
        }

        return offer ?? throw new RemoteUnavailableException($"remote {host} closed the connection before offering a host key");
    }

    private async Task HandshakeAsync(BaseClient client, RemoteHostOptions host, KnownHostsFile known, CancellationToken cancellationToken)
    {
        HostKeyOffer? offer = null;
        client.HostKeyReceived += (_, e) =>
        {
            offer = HostKeyOffer.Judge(host.Name, host.KnownHostsName, known, HostKey.FromBlob(e.HostKey));
            e.CanTrust = offer.Verdict == HostKeyVerdict.Trusted;
        };
        try
        {
            await ConnectWithin(client, host, cancellationToken);
        }
        catch (SshConnectionException) when (offer is { Verdict: not HostKeyVerdict.Trusted })
        {
            metrics.HostKeyRefused(host.Name, offer.Verdict.ToString().ToLowerInvariant());
            HostKeyRefused(logger, host.Name, offer.Verdict, offer.Offered.Fingerprint.Value);
            throw new RemoteHostKeyException(offer.Refusal());
        }
        catch (Exception e) when (Translate(e, host, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    private static async Task ConnectWithin(BaseClient client, RemoteHostOptions host, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(host.ConnectTimeout);
        await client.ConnectAsync(deadline.Token);
    }

    /// <summary>The typed error for a failed connection, or null to let the exception pass (the caller's own cancellation).</summary>
    internal static VaultException? Translate(Exception e, RemoteHostOptions host, CancellationToken cancellationToken) => e switch
    {
        VaultException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        OperationCanceledException or SshOperationTimeoutException =>
            new RemoteUnavailableException($"remote {host} did not complete the SSH handshake within {host.ConnectTimeout.TotalSeconds:0.#} s"),
        SocketException s =>
            new RemoteUnavailableException($"remote {host} cannot be reached over SSH: {s.Message} (is sshd running and listening on {host.Address}:{host.Port}?)"),
        SshAuthenticationException a =>
            new RemoteAccessException($"remote {host} refused user '{host.User}' with key '{host.PrivateKeyFile}': {a.Message}"),
        SshConnectionException c =>
            new RemoteUnavailableException($"remote {host}: the SSH connection failed: {c.Message}"),
        SshException s =>
            new RemoteUnavailableException($"remote {host}: SSH error: {s.Message}"),
        IOException io =>
            new RemoteUnavailableException($"remote {host}: the SSH connection failed: {io.Message}"),
        _ => null,
    };

    private static ConnectionInfo Connection(RemoteHostOptions host, KnownHostsFile known, AuthenticationMethod auth)
    {
        var connection = new ConnectionInfo(host.Address, host.Port, host.User, auth) { Timeout = host.ConnectTimeout };
        var pinnedTypes = known.PinnedKeys(host.KnownHostsName).Select(k => k.Type).ToHashSet(StringComparer.Ordinal);
        if (pinnedTypes.Count > 0)
        {
            var offered = connection.HostKeyAlgorithms.Keys.Where(a => !AlgorithmFits(a, pinnedTypes)).ToList();
            if (offered.Count < connection.HostKeyAlgorithms.Count)
            {
                foreach (var algorithm in offered)
                {
                    connection.HostKeyAlgorithms.Remove(algorithm);
                }
            }
        }

        return connection;
    }

    private static bool AlgorithmFits(string algorithm, HashSet<string> pinnedTypes) =>
        pinnedTypes.Contains(algorithm) || (algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) && pinnedTypes.Contains("ssh-rsa"));

    private static PrivateKeyAuthenticationMethod PrivateKey(RemoteHostOptions host)
    {
        if (SecretFileCheck.Problem(host.PrivateKeyFile) is { } problem)
        {
            throw new RemoteAccessException($"private key file of remote host '{host.Name}' refused: {problem}");
        }

        string? passphrase = null;
        if (host.PassphraseFile is { } file)
        {
            if (SecretFileCheck.Problem(file) is { } passProblem)
            {
                throw new RemoteAccessException($"passphrase file of remote host '{host.Name}' refused: {passProblem}");
            }

            passphrase = File.ReadLines(file).FirstOrDefault() ?? "";
        }
        else if (host.PassphraseEnv is { } env)
        {
            passphrase = Environment.GetEnvironmentVariable(env)
                ?? throw new RemoteAccessException($"passphrase of remote host '{host.Name}': environment variable {env} is not set");
        }

        try
        {
            return new PrivateKeyAuthenticationMethod(host.User, new PrivateKeyFile(host.PrivateKeyFile, passphrase));
        }
        catch (Exception e) when (e is SshException or InvalidOperationException or ArgumentException or FormatException or NotSupportedException)
        {
            throw new RemoteAccessException($"private key file '{host.PrivateKeyFile}' of remote host '{host.Name}' cannot be used: {e.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host key of remote host {Host} refused ({Verdict}): offered {Fingerprint}")]
    private static partial void HostKeyRefused(ILogger logger, string host, HostKeyVerdict verdict, string fingerprint);
}
