using System.Buffers;

namespace Vault.Grains.Node;

/// <summary>
/// The node's pool of large buffers (chunks up to 8 MiB, packs up to 16 MiB and a little more).
/// Bounded, unlike the shared pool, and reused, so the data path does not churn the large object
/// heap (fresh pages are expensive on these VMs). Emptied once the node has been idle for a while:
/// otherwise every peak of concurrent buffers stays resident for good (hundreds of MiB after a
/// few dozen backups).
/// </summary>
public static class Buffers
{
    public static ArrayPool<byte> Pool { get; } = new IdleTrimmedPool(TimeSpan.FromSeconds(30));
}

/// <summary>
/// A bounded pool that drops what it keeps once no buffer was rented or returned for
/// <c>idle</c>, then runs one full collection so the freed large-object pages go back to the
/// system (an idle node allocates too little to collect on its own). Buffers rented before a
/// trim may still be returned: they go to the fresh pool.
/// </summary>
public sealed class IdleTrimmedPool : ArrayPool<byte>
{
    private const int MaxArrayLength = 64 * 1024 * 1024;
    private const int MaxArraysPerBucket = 8;

    private readonly long _idleMs;
    private readonly Timer _timer;
    private ArrayPool<byte> _inner = Fresh();
    private long _lastUse = Environment.TickCount64;
    private int _used;

    public IdleTrimmedPool(TimeSpan idle)
    {
        _idleMs = (long)idle.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Max(1000, _idleMs / 2));
        _timer = new Timer(_ => TrimIfIdle(), null, period, period);
    }

    public override byte[] Rent(int minimumLength)
    {
        Touch();
        return Volatile.Read(ref _inner).Rent(minimumLength);
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        Touch();
        Volatile.Read(ref _inner).Return(array, clearArray);
    }

    /// <summary>Drops the kept buffers if the pool has been idle long enough; true when it did.</summary>
    public bool TrimIfIdle()
    {
        if (Volatile.Read(ref _used) == 0 || Environment.TickCount64 - Volatile.Read(ref _lastUse) < _idleMs)
        {
            return false;
        }

        Volatile.Write(ref _used, 0);
        Volatile.Write(ref _inner, Fresh());
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return true;
    }

    private void Touch()
    {
        Volatile.Write(ref _lastUse, Environment.TickCount64);
        if (Volatile.Read(ref _used) == 0)
        {
            Volatile.Write(ref _used, 1);
        }
    }

    private static ArrayPool<byte> Fresh() => Create(MaxArrayLength, MaxArraysPerBucket);
}
