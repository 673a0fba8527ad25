using System.Runtime.CompilerServices;
using Orleans.Concurrency;
using Vault.Grains.Placement;
using Vault.Remote.Commands;
using Vault.Remote.Files;
using Vault.Remote.Services;
using Vault.Remote.Trust;

namespace Vault.Grains.Remote;

/// <summary>Carries the gateway's remote calls to this node's SSH seams; reentrant, so commands run side by side (each host bounds its own concurrency).</summary>
[NodePlacement, Reentrant]
public sealed class RemoteGrain(IRemoteShell shell, IRemoteServices services, IRemoteFiles files, IHostKeyTrust trust) : Grain, Vault.Remote.IRemoteGrain
{
    public async IAsyncEnumerable<Vault.Remote.RemoteExecUpdate> ExecAsync(string host, string command, TimeSpan? timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in shell.StreamAsync(host, command, new RemoteRunOptions(timeout), cancellationToken))
        {
            yield return e switch
            {
                RemoteOutput o => new Vault.Remote.RemoteExecUpdate(o.Stream == RemoteStreamKind.Stdout ? 1 : 2, o.Data, null),
                RemoteCommandResult r => new Vault.Remote.RemoteExecUpdate(0, [], new Vault.Remote.RemoteExecOutcome(
                    r.ExitCode, r.ExitSignal, r.TimedOut, r.Duration, r.StdoutBytes, r.StderrBytes, r.OutputTruncated)),
                _ => throw new InvalidOperationException($"unexpected remote event {e.GetType().Name}"),
            };
        }
    }

    public async Task<Vault.Remote.RemoteServiceInfo> ServiceAsync(string host, string service, string action)
    {
        if (!Enum.TryParse<ServiceAction>(action, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || action.Any(char.IsDigit))
        {
            throw new InvalidRequestException($"service action '{action}' is not one of status, start, stop, restart, reload");
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await services.ControlAsync(host, service, parsed);
        var s = result.Status;
        return new Vault.Remote.RemoteServiceInfo(host, service, parsed.ToString().ToLowerInvariant(), s.ActiveState, s.SubState, s.LoadState, s.MainPid,
            result.Command?.ExitCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    public async Task<Vault.Remote.RemoteFileInfo> UploadAsync(string host, string path, byte[] content, int? mode)
    {
        if (mode is < 0 or > 0x1FF)
        {
            throw new InvalidRequestException($"file mode {mode} is not a permission mode (0 to 0777)");
        }

        var r = await files.UploadAsync(host, new MemoryStream(content, writable: false), path, mode is { } m ? (UnixFileMode)m : null);
        return new Vault.Remote.RemoteFileInfo(r.Host, r.Path, r.Bytes, r.Sha256, r.Duration);
    }

    public async Task<Vault.Remote.RemoteFileContent> DownloadAsync(string host, string path, long maxBytes)
    {
        using var copy = new MemoryStream();
        var r = await files.DownloadAsync(host, path, new BoundedStream(copy, maxBytes, host, path));
        return new Vault.Remote.RemoteFileContent(new Vault.Remote.RemoteFileInfo(r.Host, r.Path, r.Bytes, r.Sha256, r.Duration), copy.ToArray());
    }

    public async Task<Vault.Remote.RemoteHostKeyInfo> TrustAsync(string host, string? fingerprint)
    {
        if (fingerprint is null)
        {
            return ToInfo(await trust.ScanAsync(host), recorded: false, []);
        }

        var expected = HostFingerprint.TryParse(fingerprint, out var f)
            ? f
            : throw new InvalidRequestException($"'{fingerprint}' is not a SHA256 host key fingerprint (SHA256: and 43 base64 characters, as `ssh-keygen -l` prints it)");
        var result = await trust.TrustAsync(host, expected);
        return ToInfo(result.Offer, recorded: !result.AlreadyPinned, result.Replaced.Select(r => r.Value).ToList());
    }

    private static Vault.Remote.RemoteHostKeyInfo ToInfo(HostKeyOffer offer, bool recorded, IReadOnlyList<string> replaced) =>
        new(offer.Host, offer.KnownHostsName, offer.Offered.Type, offer.Offered.Fingerprint.Value,
            recorded ? "trusted" : offer.Verdict.ToString().ToLowerInvariant(),
            recorded ? [offer.Offered.Fingerprint.Value] : offer.Pinned.Select(p => p.Fingerprint.Value).ToList(), recorded, replaced);

    /// <summary>A write-only stream that refuses more than the gateway can return in one message.</summary>
    private sealed class BoundedStream(MemoryStream inner, long max, string host, string path) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (inner.Length + buffer.Length > max)
            {
                throw new RemoteFileException($"download of {path} from remote host '{host}' refused: more than {max} bytes, the most one call returns");
            }

            inner.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
