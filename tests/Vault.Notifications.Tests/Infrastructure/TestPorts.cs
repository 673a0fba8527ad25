using System.Net;
using System.Net.Sockets;

namespace Vault.Notifications.Tests.Infrastructure;

public static class TestPorts
{
    private static int _next = 21000 + (Environment.ProcessId % 40) * 250;

    /// <summary>A TCP port below the kernel's ephemeral range (32768+) that accepts a listener now.</summary>
    public static int Free()
    {
        while (true)
        {
            var port = Interlocked.Increment(ref _next);
            if (port > 32000)
            {
                Interlocked.Exchange(ref _next, 21000);
                continue;
            }

            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}
