using Orleans.Runtime;
using Vault.Grains.Persistence;

namespace Vault.Grains.Tests;

public sealed class FileReminderTableTests : IDisposable
{
    private readonly string _dir = TestDirs.Create("reminders");

    private string File => Path.Combine(_dir, "grains", "reminders.json");

    public void Dispose() => TestDirs.Delete(_dir);

    private static GrainId Grain(string key) => GrainId.Create("schedule", key);

    private static ReminderEntry Entry(GrainId grain, string name, int minutes = 1) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = new DateTime(2025, 3, 10, 10, 0, 0, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(minutes),
    };

    [Fact]
    public async Task UpsertReadRemove_FollowETags()
    {
        var table = new FileReminderTable(File);
        await table.Init();
        var grain = Grain("nightly");
        Assert.Null(await table.ReadRow(grain, "schedule"));

        var first = await table.UpsertRow(Entry(grain, "schedule"));
        Assert.False(string.IsNullOrEmpty(first));
        var row = await table.ReadRow(grain, "schedule");
        Assert.NotNull(row);
        Assert.Equal(first, row.ETag);
        Assert.Equal(TimeSpan.FromMinutes(1), row.Period);

        // An upsert replaces the row whatever ETag it carries, and gives it a new one.
        var second = await table.UpsertRow(Entry(grain, "schedule", minutes: 5));
        Assert.NotEqual(first, second);
        Assert.Equal(TimeSpan.FromMinutes(5), (await table.ReadRow(grain, "schedule"))!.Period);

        // A removal needs the current ETag.
        Assert.False(await table.RemoveRow(grain, "schedule", first!));
        Assert.NotNull(await table.ReadRow(grain, "schedule"));
        Assert.True(await table.RemoveRow(grain, "schedule", second!));
        Assert.Null(await table.ReadRow(grain, "schedule"));
        Assert.False(await table.RemoveRow(grain, "schedule", second!));
    }

    [Fact]
    public async Task ETags_AreNeverReused_EvenAfterRemovalAndRestart()
    {
        var grain = Grain("nightly");
        var table = new FileReminderTable(File);
        var first = await table.UpsertRow(Entry(grain, "schedule"));
        Assert.True(await table.RemoveRow(grain, "schedule", first!));

        var reopened = new FileReminderTable(File);
        var again = await reopened.UpsertRow(Entry(grain, "schedule"));
        Assert.NotEqual(first, again);
        Assert.False(await reopened.RemoveRow(grain, "schedule", first!)); // the old handle cannot remove the new row
    }

    [Fact]
    public async Task Rows_SurviveANewInstance_WithTheirETagsAndTimes()
    {
        var table = new FileReminderTable(File);
        var a = Grain("a");
        var b = Grain("b/with slash and ünïcode");
        var etagA = await table.UpsertRow(Entry(a, "schedule"));
        await table.UpsertRow(Entry(a, "other", minutes: 3));
        var etagB = await table.UpsertRow(Entry(b, "schedule"));

        var reopened = new FileReminderTable(File);
        await reopened.Init();
        var rowsOfA = (await reopened.ReadRows(a)).Reminders.OrderBy(r => r.ReminderName, StringComparer.Ordinal).ToList();
        Assert.Equal(["other", "schedule"], rowsOfA.Select(r => r.ReminderName));
        Assert.Equal(etagA, rowsOfA[1].ETag);
        Assert.Equal(new DateTime(2025, 3, 10, 10, 0, 0, DateTimeKind.Utc), rowsOfA[1].StartAt);
        Assert.Equal(DateTimeKind.Utc, rowsOfA[1].StartAt.Kind);
        Assert.Equal(TimeSpan.FromMinutes(3), rowsOfA[0].Period);
        var rowB = await reopened.ReadRow(b, "schedule");
        Assert.Equal(b, rowB!.GrainId);
        Assert.Equal(etagB, rowB.ETag);
        Assert.True(await reopened.RemoveRow(b, "schedule", etagB!));
    }

    [Fact]
    public async Task ReadRows_ByHashRange_IsExclusiveBelowInclusiveAbove_AndWraps()
    {
        var table = new FileReminderTable(File);
        var grains = Enumerable.Range(0, 40).Select(i => Grain("g" + i)).ToList();
        foreach (var g in grains)
        {
            await table.UpsertRow(Entry(g, "r"));
        }

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        var (low, high) = (hashes[10], hashes[30]);
        var inside = await Hashes(table, low, high);
        Assert.Equal(hashes.Where(h => h > low && h <= high), inside);
        Assert.DoesNotContain(low, inside);
        Assert.Contains(high, inside);

        // begin ≥ end wraps around the ring: (high, max] and [0, low].
        var wrapped = await Hashes(table, high, low);
        Assert.Equal(hashes.Where(h => h > high || h <= low), wrapped);
        Assert.Equal(hashes.Count, inside.Count + wrapped.Count);

        // begin == end is the whole ring.
        Assert.Equal(hashes, await Hashes(table, low, low));
    }

    [Theory]
    [InlineData(5u, 1u, 9u, true)]
    [InlineData(1u, 1u, 9u, false)]
    [InlineData(9u, 1u, 9u, true)]
    [InlineData(10u, 1u, 9u, false)]
    [InlineData(10u, 9u, 1u, true)]
    [InlineData(0u, 9u, 1u, true)]
    [InlineData(1u, 9u, 1u, true)]
    [InlineData(5u, 9u, 1u, false)]
    [InlineData(uint.MaxValue, 0u, uint.MaxValue, true)]
    [InlineData(0u, 0u, uint.MaxValue, false)]
    public void InRange_FollowsTheRingConvention(uint hash, uint begin, uint end, bool expected) =>
        Assert.Equal(expected, FileReminderTable.InRange(hash, begin, end));

    [Fact]
    public async Task ClearTable_EmptiesItDurably()
    {
        var table = new FileReminderTable(File);
        await table.UpsertRow(Entry(Grain("a"), "r"));
        await table.TestOnlyClearTable();
        Assert.Empty((await new FileReminderTable(File).ReadRows(0, 0)).Reminders);
    }

    [Fact]
    public async Task CorruptFile_FailsNamingTheFile_InsteadOfDroppingReminders()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(File)!);
        await System.IO.File.WriteAllTextAsync(File, "{ not json");
        var table = new FileReminderTable(File);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(table.Init);
        Assert.Contains(File, e.Message, StringComparison.Ordinal);
        Assert.Equal("{ not json", await System.IO.File.ReadAllTextAsync(File)); // left for the operator
    }

    [Fact]
    public async Task ConcurrentUpserts_AllLand_WithDistinctETags()
    {
        var table = new FileReminderTable(File);
        var etags = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => table.UpsertRow(Entry(Grain("c" + i), "r"))));
        Assert.Equal(30, etags.Distinct().Count());
        Assert.Equal(30, (await new FileReminderTable(File).ReadRows(0, 0)).Reminders.Count);
    }

    private static async Task<List<uint>> Hashes(FileReminderTable table, uint begin, uint end) =>
        (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order().ToList();
}
