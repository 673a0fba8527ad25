namespace Vault.Remote.Tests.Infrastructure;

/// <summary>Waiting on conditions with deadlines; a timeout says what was awaited and the last value seen.</summary>
public static class Wait
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last seen: {(describe ?? (v => v?.ToString() ?? "null"))(value)}");
            }

            await Task.Delay(50);
        }
    }
}
