namespace Vault.Grains.Replication;

/// <summary>
/// The packs GC condemned on this node (moved to the trash, or absent here when GC trashed them
/// elsewhere). The node's pack store refuses them, so a repair pass that read a pack just before
/// GC trashed it cannot copy it back to this node; repair also skips a pack it holds only in the
/// trash. A pack id never recurs (every pack has a random salt), so refusing is always right;
/// entries are kept a day, longer than any repair pass holds a decision.
/// </summary>
public sealed class CondemnedPacks(TimeProvider time)
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);
    private readonly Dictionary<Vault.Storage.PackId, DateTimeOffset> _packs = [];

    public void Condemn(IEnumerable<Vault.Storage.PackId> packs)
    {
        var now = time.GetUtcNow();
        lock (_packs)
        {
            foreach (var pack in packs)
            {
                _packs[pack] = now;
            }

            foreach (var old in _packs.Where(p => now - p.Value > Keep).Select(p => p.Key).ToList())
            {
                _packs.Remove(old);
            }
        }
    }

    public bool Contains(Vault.Storage.PackId pack)
    {
        lock (_packs)
        {
            return _packs.ContainsKey(pack);
        }
    }
}
