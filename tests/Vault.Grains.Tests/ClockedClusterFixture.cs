using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Vault.Grains.Tests;

/// <summary>
/// A silo of its own whose <see cref="TimeProvider"/> is a fake clock the tests move: schedules, retries,
/// leases and checkpoint keeping run on it, so no test waits for wall-clock time to pass.
/// </summary>
public sealed class ClockedClusterFixture : VaultClusterFixture
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void Configure(ISiloBuilder silo) => silo.Services.AddSingleton<TimeProvider>(Clock);
}

[CollectionDefinition(Name)]
public sealed class ClockedCollection : ICollectionFixture<ClockedClusterFixture>
{
    public const string Name = "clocked";
}
