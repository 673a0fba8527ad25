// A command runs as `timeout -k GRACE N sh -c 'COMMAND' </dev/null`: when N passes, `timeout` sends TERM to the
// command's process group, and KILL GRACE later to whatever ignored TERM, so a timed-out command is gone from the
// host rather than only abandoned (an SSH channel close or signal does not reach a process that ignores TERM).
// Exit 124 (or 137 after the KILL) at or past the limit is reported as a timeout. The local side keeps its own,
// longer deadline for a host that stops answering altogether.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Vault.Remote.Hosts;

namespace Vault.Remote.Commands;

public sealed partial class SshShell(RemoteHosts hosts, SshConnector connector, RemoteMetrics metrics, ILogger<SshShell> logger) : IRemoteShell
{
    /// <summary>Time between TERM and KILL for a command past its limit.</summary>
    public static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(3);

    /// <summary>Extra time the local side waits past limit and grace before giving up on the host.</summary>
    private static readonly TimeSpan LocalGrace = TimeSpan.FromSeconds(10);

    public async IAsyncEnumerable<RemoteEvent> StreamAsync(string host, string command, RemoteRunOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var target = hosts.Get(host);
        var timeout = TimeoutFor(target, command, options);
        var events = Channel.CreateBounded<RemoteEvent>(new BoundedChannelOptions(64) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var lease = await ConnectAsync(target, started, stop.Token);
                var result = await RunOnAsync(lease.Client, target, command, timeout, started,
                    output => events.Writer.WriteAsync(output, stop.Token), stop.Token);
                await events.Writer.WriteAsync(result, stop.Token);
                events.Writer.TryComplete();
            }
            catch (Exception e)
            {
                events.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producer;
        }
    }

    public async Task<RemoteCommandResult> RunAsync(string host, string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        var target = hosts.Get(host);
        var timeout = TimeoutFor(target, command, options);
        var started = Stopwatch.GetTimestamp();
        using var lease = await ConnectAsync(target, started, cancellationToken);
        return await RunOnAsync(lease.Client, target, command, timeout, started, sink: null, cancellationToken);
    }

    public async Task<RemoteSequenceResult> RunSequenceAsync(string host, IReadOnlyList<string> commands, RemoteRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        var target = hosts.Get(host);
        options ??= RemoteRunOptions.Default;
        var timeouts = commands.Select(c => TimeoutFor(target, c, options)).ToList();
        var results = new List<RemoteCommandResult>();
        using var lease = await ConnectAsync(target, Stopwatch.GetTimestamp(), cancellationToken);
        for (var i = 0; i < commands.Count; i++)
        {
            var result = await RunOnAsync(lease.Client, target, commands[i], timeouts[i], Stopwatch.GetTimestamp(), sink: null, cancellationToken);
            results.Add(result);
            if (!result.Succeeded && !options.ContinueOnFailure)
            {
                return new RemoteSequenceResult(results, commands.Skip(i + 1).ToList());
            }
        }

        return new RemoteSequenceResult(results, []);
    }

    /// <summary>The command line sent to the host for <paramref name="command"/> with a limit of <paramref name="timeout"/>.</summary>
    public static string Wrap(string command, TimeSpan timeout) =>
        string.Create(CultureInfo.InvariantCulture,
            $"timeout -k {KillGrace.TotalSeconds:0.###}s {timeout.TotalSeconds:0.###}s sh -c {ShellQuote.Quote(command)} </dev/null");

    private static TimeSpan TimeoutFor(RemoteHostOptions host, string command, RemoteRunOptions? options)
    {
        if (string.IsNullOrWhiteSpace(command))
        {
            throw new InvalidRequestException($"the command for remote host '{host.Name}' is empty");
        }

        var timeout = options?.Timeout ?? host.CommandTimeout;
        return timeout > TimeSpan.Zero && timeout <= TimeSpan.FromDays(1)
            ? timeout
            : throw new InvalidRequestException($"command timeout {timeout} for remote host '{host.Name}' must be more than 0 and at most 1 day");
    }

    private async Task<SshLease<SshClient>> ConnectAsync(RemoteHostOptions host, long started, CancellationToken cancellationToken)
    {
        try
        {
            return await connector.ConnectAsync(host, c => new SshClient(c), cancellationToken);
        }
        catch (VaultException e)
        {
            metrics.Command(host.Name, "error", Stopwatch.GetElapsedTime(started));
            ConnectFailed(logger, host.Name, e.Message);
            throw;
        }
    }

    private async Task<RemoteCommandResult> RunOnAsync(SshClient client, RemoteHostOptions host, string command, TimeSpan timeout, long started,
        Func<RemoteOutput, ValueTask>? sink, CancellationToken cancellationToken)
    {
        using var ssh = client.CreateCommand(Wrap(command, timeout));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout + KillGrace + LocalGrace);
        var stdout = new OutputCapture(host.MaxCaptureBytes);
        var stderr = new OutputCapture(host.MaxCaptureBytes);
        using var sinkTurn = new SemaphoreSlim(1, 1);

        var execution = ssh.ExecuteAsync(deadline.Token);
        var pumps = Task.WhenAll(
            PumpAsync(ssh.OutputStream, RemoteStreamKind.Stdout, stdout, sink, sinkTurn, deadline.Token),
            PumpAsync(ssh.ExtendedOutputStream, RemoteStreamKind.Stderr, stderr, sink, sinkTurn, deadline.Token));
        var lostHost = false;
        try
        {
            await execution;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            lostHost = true;
        }
        catch (Exception e) when (SshConnector.Translate(e, host, cancellationToken) is { } translated)
        {
            metrics.Command(host.Name, "error", Stopwatch.GetElapsedTime(started));
            throw translated;
        }

        try
        {
            await pumps.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception) when (lostHost || pumps.IsFaulted || !pumps.IsCompleted)
        {
            // The host stopped answering or the output ended uncleanly: what was captured is reported.
        }

        var duration = Stopwatch.GetElapsedTime(started);
        var exit = lostHost ? null : ssh.ExitStatus;
        var timedOut = lostHost || exit == 124 || (exit == 137 && duration >= timeout);
        var result = new RemoteCommandResult(host.Name, command, exit, ssh.ExitSignal, timedOut, duration,
            stdout.Text(), stderr.Text(), stdout.Total, stderr.Total, stdout.Truncated || stderr.Truncated);
        metrics.Command(host.Name, result.Outcome, duration);
        CommandEnded(logger, host.Name, result.Outcome, exit, duration.TotalMilliseconds, stdout.Total + stderr.Total, result.OutputTruncated);
        return result;
    }

    private static async Task PumpAsync(Stream stream, RemoteStreamKind kind, OutputCapture capture, Func<RemoteOutput, ValueTask>? sink,
        SemaphoreSlim sinkTurn, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            capture.Add(buffer.AsSpan(0, read));
            if (sink is not null)
            {
                await sinkTurn.WaitAsync(cancellationToken);
                try
                {
                    await sink(new RemoteOutput(kind, buffer.AsSpan(0, read).ToArray()));
                }
                finally
                {
                    sinkTurn.Release();
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Remote command on {Host}: {Outcome}, exit {ExitCode}, {DurationMs:0} ms, {OutputBytes} output bytes (truncated: {Truncated})")]
    private static partial void CommandEnded(ILogger logger, string host, string outcome, int? exitCode, double durationMs, long outputBytes, bool truncated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Remote host {Host} could not be used: {Error}")]
    private static partial void ConnectFailed(ILogger logger, string host, string error);
}
