using System.Buffers;

namespace Vault.Grains.Node;

/// <summary>
/// The node's pool of large buffers (chunks up to 8 MiB, packs up to 16 MiB and a little more).
/// Bounded, unlike the shared pool, so what it keeps after a burst stays small, and reused, so
/// the data path does not churn the large object heap (fresh pages are expensive on these VMs).
/// </summary>
public static class Buffers
{
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024 * 1024, maxArraysPerBucket: 8);
}
