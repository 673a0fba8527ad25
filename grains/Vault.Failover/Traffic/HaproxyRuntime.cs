// HAProxy's runtime API over TCP ("stats socket ipv4@host:port level admin"): one command per
// connection; the reply ends when HAProxy closes it. `set server` answers an empty line on success
// and a text error otherwise. Changes are runtime-only: a reload without a server-state-file
// forgets them, which the runbook calls out.
using System.Net.Sockets;
using System.Text;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Traffic;

public sealed class HaproxyRuntime(string host, int port, TimeSpan timeout) : IHaproxyAdmin
{
    public override string ToString() => $"HAProxy runtime API {host}:{port}";

    /// <summary>Sets a server to ready, drain or maint; idempotent.</summary>
    public async Task SetStateAsync(string backend, string server, string state, CancellationToken cancellationToken)
    {
        var reply = (await SendAsync($"set server {backend}/{server} state {state}", cancellationToken)).Trim();
        if (reply.Length > 0)
        {
            throw new FailoverStepException($"{this} refused 'set server {backend}/{server} state {state}': {reply}");
        }
    }

    /// <summary>`set weight`; HAProxy answers an empty line on success.</summary>
    public async Task SetWeightAsync(string backend, string server, int weight, CancellationToken cancellationToken)
    {
        var command = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"set weight {backend}/{server} {weight}");
        var reply = (await SendAsync(command, cancellationToken)).Trim();
        if (reply.Length > 0)
        {
            throw new FailoverStepException($"{this} refused '{command}': {reply}");
        }
    }

    public Task<string> ShowStatAsync(CancellationToken cancellationToken) => SendAsync("show stat", cancellationToken);

    /// <summary>The status column of `show stat` for one server (UP, DOWN, MAINT, DRAIN...).</summary>
    public async Task<string> GetStatusAsync(string backend, string server, CancellationToken cancellationToken)
    {
        var csv = await SendAsync("show stat", cancellationToken);
        return ParseStatus(csv, backend, server)
            ?? throw new FailoverStepException($"{this}: server {backend}/{server} is not in 'show stat'");
    }

    internal static string? ParseStatus(string csv, string backend, string server)
    {
        foreach (var line in csv.Split('\n'))
        {
            var fields = line.Split(',');
            if (fields.Length > 17 && fields[0] == backend && fields[1] == server)
            {
                return fields[17];
            }
        }

        return null;
    }

    public async Task<string> SendAsync(string command, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, deadline.Token);
            await using var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), deadline.Token);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            return await reader.ReadToEndAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FailoverStepException($"{this} did not answer '{command}' within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            throw new FailoverStepException($"{this} cannot be reached for '{command}': {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new FailoverStepException($"{this} failed during '{command}': {e.Message}", e);
        }
    }
}
