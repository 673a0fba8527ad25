// Open-source Nginx as a traffic provider: the upstream include file (Traffic:UpstreamFile) on the proxy's
// machine (Traffic:RemoteHost, a Vault:Remote host) is downloaded over SFTP, its node's `server` line
// edited (NginxUpstreamFile), uploaded as an atomic replace, checked with Traffic:TestCommand and applied
// with Traffic:ReloadCommand. When the check or the reload fails the previous file is put back (and
// reloaded after a failed reload), and the step fails with Nginx's own message. Each node's upstream
// server is its Host:Port. Open-source Nginx has no drain and no session counts: a drain marks the server
// down and reloads, and the old worker processes finish the connections they hold (a graceful reload).
using System.Globalization;
using System.Text;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Remote.Commands;
using Vault.Remote.Files;

namespace Vault.Grains.Failover.Traffic;

public sealed class NginxTraffic(TrafficSpec spec, IRemoteShell shell, IRemoteFiles files) : ITrafficProvider, ITrafficWeights
{
    private string Host => spec.RemoteHost!;

    private string Path => spec.UpstreamFile!;

    private string Upstream => spec.Upstream!;

    public override string ToString() => $"Nginx upstream {Upstream} in {Path} on {Host}";

    public async Task<string> PreflightAsync(IReadOnlyList<FailoverNodeSpec> nodes, CancellationToken cancellationToken)
    {
        var file = await ReadAsync(cancellationToken);
        var missing = nodes.Where(n => file.Find(n.Endpoint) is null).Select(n => n.Endpoint).ToList();
        if (missing.Count > 0)
        {
            throw new FailoverStepException($"{this} has no server {string.Join(", ", missing)}");
        }

        var test = await RunAsync(spec.TestCommand, cancellationToken);
        return test.Succeeded
            ? $"{this} readable; servers {string.Join(", ", file.Servers.Select(s => s.Address + (s.Down ? " down" : "")))}; '{spec.TestCommand}' passes"
            : throw new FailoverStepException($"{this}: the configuration check fails already: {test.Describe()}");
    }

    public Task<string> EnableAsync(FailoverNodeSpec node, CancellationToken cancellationToken) => ApplyAsync(node.Endpoint, down: false, weight: null, cancellationToken);

    public Task<string> DisableAsync(FailoverNodeSpec node, CancellationToken cancellationToken) => ApplyAsync(node.Endpoint, down: true, weight: null, cancellationToken);

    public async Task<string> DrainAsync(FailoverNodeSpec node, CancellationToken cancellationToken) =>
        await ApplyAsync(node.Endpoint, down: true, weight: null, cancellationToken) + "; open-source Nginx counts no sessions: the old workers finish the connections they hold";

    public async Task<TrafficServerState> GetStateAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        var s = (await ReadAsync(cancellationToken)).Find(node.Endpoint) ?? throw new FailoverStepException($"{this} has no server {node.Endpoint}");
        return new TrafficServerState(s.Address, s.Down ? "down" : "up", !s.Down, null, s.Weight ?? 1);
    }

    /// <summary>Weight 0 marks the server down; 1–100 sets weight=N.</summary>
    public async Task SetWeightAsync(string target, int weight, CancellationToken cancellationToken) =>
        await ApplyAsync(target, down: weight == 0, weight: weight == 0 ? null : weight, cancellationToken);

    public async Task<int> GetWeightAsync(string target, CancellationToken cancellationToken) =>
        (await ReadAsync(cancellationToken)).Find(target) is { } s
            ? s.Down ? 0 : s.Weight ?? 1
            : throw new FailoverStepException($"{this} has no server {target}");

    private async Task<string> ApplyAsync(string address, bool down, int? weight, CancellationToken cancellationToken)
    {
        var (file, before) = await ReadWithTextAsync(cancellationToken);
        if (!file.Set(address, down, weight))
        {
            throw new FailoverStepException($"{this} has no server {address}");
        }

        var what = $"server {address}{(weight is { } w ? string.Create(CultureInfo.InvariantCulture, $" weight={w}") : "")}{(down ? " down" : "")}";
        var after = file.ToString();
        if (after == before)
        {
            return $"{this}: {what} already";
        }

        await UploadAsync(Encoding.UTF8.GetBytes(after), cancellationToken);
        var test = await RunAsync(spec.TestCommand, cancellationToken);
        if (!test.Succeeded)
        {
            await UploadAsync(Encoding.UTF8.GetBytes(before), cancellationToken);
            throw new FailoverStepException($"{this}: the new file was rolled back because the configuration check failed: {test.Describe()}");
        }

        var reload = await RunAsync(spec.ReloadCommand, cancellationToken);
        if (!reload.Succeeded)
        {
            await UploadAsync(Encoding.UTF8.GetBytes(before), cancellationToken);
            var again = await RunAsync(spec.ReloadCommand, cancellationToken);
            throw new FailoverStepException($"{this}: the new file was rolled back because the reload failed: {reload.Describe()}{(again.Succeeded ? "" : "; reloading the previous file failed too: " + again.Describe())}");
        }

        return $"{this}: {what}, checked and reloaded";
    }

    private async Task<NginxUpstreamFile> ReadAsync(CancellationToken cancellationToken) => (await ReadWithTextAsync(cancellationToken)).File;

    private async Task<(NginxUpstreamFile File, string Text)> ReadWithTextAsync(CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        await Remote(() => files.DownloadAsync(Host, Path, copy, cancellationToken), "download");
        var text = Encoding.UTF8.GetString(copy.ToArray());
        try
        {
            return (NginxUpstreamFile.Parse(text, Upstream), text);
        }
        catch (FormatException e)
        {
            throw new FailoverStepException($"{this}: {e.Message}", e);
        }
    }

    private Task UploadAsync(byte[] content, CancellationToken cancellationToken) =>
        Remote(() => files.UploadAsync(Host, new MemoryStream(content), Path, null, cancellationToken), "upload");

    private Task<RemoteCommandResult> RunAsync(string command, CancellationToken cancellationToken) =>
        Remote(() => shell.RunAsync(Host, command, new RemoteRunOptions(spec.Timeout), cancellationToken), $"'{command}'");

    private async Task<T> Remote<T>(Func<Task<T>> action, string what)
    {
        try
        {
            return await action();
        }
        catch (VaultException e)
        {
            throw new FailoverStepException($"{this}: {what} over SSH failed: {e.Message}", e);
        }
    }
}
