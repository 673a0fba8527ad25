using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace Vault.Failover.Tests.Infrastructure;

/// <summary>Independent views of the outside world: HAProxy's own stats, DNS answers from each server.</summary>
public static class Checks
{
    /// <summary>backend/server → status column of `show stat`.</summary>
    public static async Task<Dictionary<string, string>> HaproxyStatAsync(int adminPort)
    {
        using var client = new TcpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, adminPort, deadline.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("show stat\n"), deadline.Token);
        var csv = await new StreamReader(stream).ReadToEndAsync(deadline.Token);
        var header = csv.Split('\n')[0].TrimStart('#', ' ').Split(',');
        var status = Array.IndexOf(header, "status");
        return csv.Split('\n').Skip(1).Select(l => l.Split(',')).Where(f => f.Length > status)
            .ToDictionary(f => $"{f[0]}/{f[1]}", f => f[status]);
    }

    public static async Task<string?> DnsAsync(int port, string name)
    {
        var lookup = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(1), Retries = 1 });
        var response = await lookup.QueryAsync(name, QueryType.A);
        return response.Answers.ARecords().FirstOrDefault()?.Address.ToString();
    }
}
