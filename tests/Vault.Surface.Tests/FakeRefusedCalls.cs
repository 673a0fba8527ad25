using Vault.Security;

namespace Vault.Surface.Tests;

/// <summary>The refused-calls store: rows merged by client, RPC and reason, as the grain does.</summary>
public sealed class FakeRefusedCalls : IRefusedCallsGrain
{
    private readonly Dictionary<(string, string, string), RefusedCalls> _rows = [];

    public int Batches { get; private set; }

    public Task AddAsync(IReadOnlyList<RefusedCalls> batch)
    {
        lock (_rows)
        {
            Batches++;
            foreach (var add in batch)
            {
                var key = (add.Client, add.What, add.Reason);
                _rows[key] = _rows.TryGetValue(key, out var row) ? row with { Count = row.Count + add.Count, Last = add.Last } : add;
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RefusedCalls>> ListAsync(int limit)
    {
        lock (_rows)
        {
            return Task.FromResult<IReadOnlyList<RefusedCalls>>([.. _rows.Values.OrderByDescending(r => r.Last).Take(limit)]);
        }
    }
}
