using Renci.SshNet;

namespace Vault.Remote;

/// <summary>A connected client holding one of its host's concurrency slots; disposing disconnects and frees the slot.</summary>
public sealed class SshLease<T>(T client, SemaphoreSlim slot) : IDisposable where T : BaseClient
{
    private int _disposed;

    public T Client { get; } = client;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            Client.Dispose();
        }
        finally
        {
            slot.Release();
        }
    }
}
