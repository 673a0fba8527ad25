using System.Net;
using System.Net.Sockets;
using System.Text;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>A cluster of its own: this test kills one of its silos.</summary>
public sealed class ResumeCluster : FailoverCluster;

[CollectionDefinition(Name)]
public sealed class ResumeCollection : ICollectionFixture<ResumeCluster>
{
    public const string Name = "failover-resume";
}

[Collection(ResumeCollection.Name)]
public sealed class ResumeTests(ResumeCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task ControllerSiloKilledMidFailover_AnotherSiloResumesWithTheSameEpoch()
    {
        await using var servers = await LocalServers.StartAsync("redis", "haproxy", "bind");
        using var gate = new HaproxyGate(servers.Port(LocalServers.HaproxyAdmin));
        var spec = Specs.Redis(servers);
        spec.Traffic!.RuntimeApi = $"127.0.0.1:{gate.Port}";
        spec.StepAttempts = 20;
        var victim = cluster.Cluster.Silos[1];
        var controller = await cluster.ControllerOnAsync(victim.Name, "resume");
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 3);

        // The failover starts and hangs in Fencing (HAProxy's API does not answer); its silo dies there.
        await servers.KillAsync("rd1");
        var before = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Phase == FailoverPhase.Fencing && s.Epoch == 1,
            TimeSpan.FromSeconds(20), "the failover to reach Fencing", DrillTests.Describe);
        Assert.Equal(victim.Name, before.Silo);
        await cluster.Cluster.KillSiloAsync(victim);
        gate.Open();

        var after = await Wait.UntilAsync(() => TryStatusAsync(controller), s => s is { Phase: FailoverPhase.Monitoring, Primary: "rd2" },
            TimeSpan.FromSeconds(60), "another silo to resume and finish the failover", s => s is null ? "no answer" : DrillTests.Describe(s));
        Assert.NotEqual(victim.Name, after!.Silo);
        Assert.Equal(1, after.Epoch);
        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"{e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.Message}");
        }

        Assert.Contains(history, e => e.Message.StartsWith($"resuming epoch 1 in Fencing on silo {after.Silo}", StringComparison.Ordinal));
        Assert.Single(history, e => e.Kind == "decision" && e.Message.StartsWith("failover from", StringComparison.Ordinal));
        Assert.Single(history, e => e.Phase == FailoverPhase.Promoting && e.Result == "ok");
        Assert.All(history.Where(e => e.Kind == "action"), e => Assert.Equal(1, e.Epoch));
        var stat = await Checks.HaproxyStatAsync(servers.Port(LocalServers.HaproxyAdmin));
        Assert.StartsWith("MAINT", stat["redis/rd1"], StringComparison.Ordinal);
    }

    private static async Task<FailoverStatus?> TryStatusAsync(IFailoverControllerGrain controller)
    {
        try
        {
            return await controller.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>
    /// A stand-in for HAProxy's runtime API that holds every connection unanswered until opened; then it
    /// drops the held ones and relays new ones to the real API.
    /// </summary>
    private sealed class HaproxyGate : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _held = [];
        private readonly int _target;
        private volatile bool _open;

        public HaproxyGate(int target)
        {
            _target = target;
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Open()
        {
            _open = true;
            lock (_held)
            {
                _held.ForEach(c => c.Dispose());
                _held.Clear();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            Open();
        }

        private async Task AcceptAsync()
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                if (!_open)
                {
                    lock (_held)
                    {
                        _held.Add(client);
                    }

                    continue;
                }

                _ = Task.Run(() => RelayAsync(client));
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var command = await new StreamReader(stream, Encoding.ASCII).ReadLineAsync();
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, _target);
                var up = upstream.GetStream();
                await up.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"));
                await up.CopyToAsync(stream);
            }
        }
    }
}
