using System.Collections.Concurrent;
using Vault.Schedules;

namespace Vault.Surface.Tests;

/// <summary>A schedule grain that keeps what it is sent; <see cref="RefuseWith"/> makes it refuse the next definitions.</summary>
public sealed class FakeSchedule(string name) : IScheduleGrain
{
    public ScheduleSpec? Spec { get; private set; }

    public string? RefuseWith { get; set; }

    public int Runs { get; private set; }

    public Task<ScheduleInfo> PutAsync(ScheduleSpec spec)
    {
        if (RefuseWith is { } refusal)
        {
            throw new InvalidRequestException(refusal);
        }

        Spec = spec with { Name = name };
        return GetAsync();
    }

    public Task<ScheduleInfo> GetAsync() => Task.FromResult(Info());

    public Task<ScheduleInfo?> TryGetAsync() => Task.FromResult(Spec is null ? null : Info());

    public Task<ScheduleInfo> DeleteAsync()
    {
        var last = Info();
        Spec = null;
        return Task.FromResult(last);
    }

    public Task<ScheduleInfo> RunNowAsync()
    {
        _ = Info();
        Runs++;
        return Task.FromResult(Info() with { Attempt = 1, LastRun = DateTimeOffset.UnixEpoch.AddDays(1), CurrentJob = new JobId(Guid.Empty), CurrentNode = Spec!.Node });
    }

    private ScheduleInfo Info() => Spec is { } spec
        ? new ScheduleInfo(spec, spec.Enabled ? DateTimeOffset.UnixEpoch.AddDays(2) : null, null, ScheduleResult.None, null, null, 0, 0, null, null, null)
        : throw new NotFoundException($"schedule '{name}' does not exist");
}

public sealed class FakeScheduleRegistry(ConcurrentDictionary<string, FakeSchedule> schedules) : IScheduleRegistryGrain
{
    public Task AddAsync(string name) => Task.CompletedTask;

    public Task RemoveAsync(string name) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>(schedules.Where(s => s.Value.Spec is not null).Select(s => s.Key).Order(StringComparer.Ordinal).ToList());
}
