using Vault.Security;
using Vault.Storage;

namespace Vault.Grains.Tests;

/// <summary>The real key grains: API-key rotation with overlap, and the repository password on an embedded node.</summary>
[Collection(ConfinementCollection.Name)]
public sealed class KeyRotationTests(ConfinementFixture cluster)
{
    [Fact]
    public async Task ApiKeyGrain_Expires_RefusedFromThenOn_ListedWithExpiry_AndReportedAsExpiring()
    {
        var keys = cluster.Grains.GetGrain<IApiKeyGrain>("expiry-" + Guid.NewGuid().ToString("N"));
        await Assert.ThrowsAsync<InvalidRequestException>(() => keys.CreateAsync("past", ApiRole.Reader, "hash-p", "test", DateTimeOffset.UtcNow.AddSeconds(-1)));
        var expires = DateTimeOffset.UtcNow.AddSeconds(2);
        var created = await keys.CreateAsync("short", ApiRole.Reader, "hash-s", "test", expires);
        await keys.CreateAsync("forever", ApiRole.Reader, "hash-f", "test");
        Assert.Equal(expires, created.Expires);
        Assert.Equal(expires, (await keys.ListAsync()).Single(k => k.Name == "short").Expires);
        Assert.Equal("short", (await keys.TryAuthenticateAsync("hash-s"))?.Name);

        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (await keys.TryAuthenticateAsync("hash-s") is not null)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the expired key still authenticates 15 s after creation");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        Assert.True(DateTimeOffset.UtcNow >= expires, "the key was refused before its expiry");
        Assert.Equal("forever", (await keys.TryAuthenticateAsync("hash-f"))?.Name);

        // The events the reporting silo publishes for these keys.
        var list = await keys.ListAsync();
        var now = DateTimeOffset.UtcNow;
        var expired = Vault.Grains.Notifications.ApiKeyExpiry.Assess(list.Single(k => k.Name == "short"), now, TimeSpan.FromDays(14), TimeSpan.FromDays(3))!;
        Assert.Equal(("apikey.expiring", Vault.Notifications.EventSeverity.Critical, "apikey:short", false), (expired.Kind, expired.Severity, expired.Subject, expired.Resolves));
        Assert.Null(Vault.Grains.Notifications.ApiKeyExpiry.Assess(list.Single(k => k.Name == "forever"), now, TimeSpan.FromDays(14), TimeSpan.FromDays(3)));
        var soon = created with { Expires = now.AddDays(10) };
        Assert.Equal(Vault.Notifications.EventSeverity.Warning, Vault.Grains.Notifications.ApiKeyExpiry.Assess(soon, now, TimeSpan.FromDays(14), TimeSpan.FromDays(3))!.Severity);
        Assert.True(Vault.Grains.Notifications.ApiKeyExpiry.Assess(soon with { Expires = now.AddDays(30) }, now, TimeSpan.FromDays(14), TimeSpan.FromDays(3))!.Resolves);
        await keys.RevokeAsync("short");
        Assert.True(Vault.Grains.Notifications.ApiKeyExpiry.Assess((await keys.ListAsync()).Single(k => k.Name == "short"), now, TimeSpan.FromDays(14), TimeSpan.FromDays(3))!.Resolves);
        Assert.True(Vault.Grains.Notifications.ApiKeyExpiryWatch.IsReporter([("n2", SiloStatus.Active), ("n1", SiloStatus.Dead), ("n3", SiloStatus.Active)], "n2"));
        Assert.False(Vault.Grains.Notifications.ApiKeyExpiryWatch.IsReporter([("n2", SiloStatus.Active), ("n1", SiloStatus.Active)], "n2"));
    }

    [Fact]
    public async Task ApiKeyGrain_Rotate_OldHashValidUntilDeadline_NewHashAtOnce()
    {
        var keys = cluster.Grains.GetGrain<IApiKeyGrain>("rotation-" + Guid.NewGuid().ToString("N"));
        await keys.CreateAsync("ci", ApiRole.Reader, "hash-1", "test");

        var rotated = await keys.RotateAsync("ci", "hash-2", DateTimeOffset.UtcNow.AddHours(1));
        Assert.NotNull(rotated.PreviousTokenValidUntil);
        Assert.Equal("ci", (await keys.TryAuthenticateAsync("hash-1"))?.Name);
        Assert.Equal("ci", (await keys.TryAuthenticateAsync("hash-2"))?.Name);

        // A second rotation keeps only the token in use until now; the first one stops.
        await keys.RotateAsync("ci", "hash-3", DateTimeOffset.UtcNow.AddHours(1));
        Assert.Null(await keys.TryAuthenticateAsync("hash-1"));
        Assert.NotNull(await keys.TryAuthenticateAsync("hash-2"));

        // A deadline in the past: no overlap at all.
        var now = await keys.RotateAsync("ci", "hash-4", DateTimeOffset.UtcNow.AddSeconds(-1));
        Assert.Null(now.PreviousTokenValidUntil);
        Assert.Null(await keys.TryAuthenticateAsync("hash-3"));
        Assert.NotNull(await keys.TryAuthenticateAsync("hash-4"));

        // Revoking ends every token of the key.
        await keys.RotateAsync("ci", "hash-5", DateTimeOffset.UtcNow.AddHours(1));
        await keys.RevokeAsync("ci");
        Assert.Null(await keys.TryAuthenticateAsync("hash-4"));
        Assert.Null(await keys.TryAuthenticateAsync("hash-5"));
        await Assert.ThrowsAsync<NotFoundException>(() => keys.RotateAsync("ci", "hash-6", DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task RepositoryKey_ChangePassword_OldStopsNewOpens_NoPackRewritten()
    {
        var source = Path.Combine(cluster.Root, "passwd-source");
        await cluster.BackUpUniqueFileAsync(source, seed: 77);
        var packsBefore = Snapshot(cluster.Node.Packs);
        var grain = cluster.Grains.GetGrain<IRepositoryKeyGrain>("default");

        var wrong = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ChangePasswordAsync("not it", "second password"));
        Assert.Contains("nothing was changed", wrong.Message);
        using (LocalRepository.OpenOrCreate(cluster.Node.DataDir, "test password", null, out _))
        {
        }

        Assert.Equal("data directory", await grain.ChangePasswordAsync("test password", "second password"));
        Assert.Throws<WrongPasswordException>(() => LocalRepository.OpenOrCreate(cluster.Node.DataDir, "test password", null, out _));
        using (var reopened = LocalRepository.OpenOrCreate(cluster.Node.DataDir, "second password", null, out _))
        {
            // Same master key: the id key computes the same chunk ids.
            Assert.Equal(cluster.Node.Keys.ComputeId("probe"u8), reopened.Keys.ComputeId("probe"u8));
        }

        Assert.Equal(packsBefore, Snapshot(cluster.Node.Packs));
        Assert.Equal("data directory", await grain.ChangePasswordAsync("second password", "test password"));
    }

    private static Dictionary<PackId, DateTime> Snapshot(LocalPackStore packs) =>
        packs.Enumerate().ToDictionary(p => p, p => File.GetLastWriteTimeUtc(packs.PathOf(p)));
}
