using Vault.Grains.Check;
using Vault.Storage;

namespace Vault.Grains.Tests;

/// <summary>The scrubber's pure parts: pace, period syntax, and what the cursor says about coverage.</summary>
public sealed class ScrubCursorTests
{
    private const long MiB = 1024 * 1024;
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Theory]
    // pack bytes, node bytes, period (days), max bytes/s, expected seconds
    [InlineData(16 * MiB, 16 * 1024 * MiB, 30, 20 * MiB, 30 * 86400 / 1024.0)] // 16 GiB: the pack's share of 30 days
    [InlineData(16 * MiB, 1L << 50, 30, 20 * MiB, 0.8)] // 1 PiB: capped by 20 MiB/s
    [InlineData(16 * MiB, 16 * MiB, 1, 20 * MiB, 86400)] // the only pack: the whole period
    [InlineData(16 * MiB, 0, 1, 20 * MiB, 86400)] // a survey older than the pack: never faster than its share
    public void Delay_IsThePacksShareOfThePeriod_CappedByTheMaxRate(long pack, long node, int days, long max, double expected)
    {
        Assert.Equal(expected, ScrubPace.Delay(pack, node, TimeSpan.FromDays(days), max).TotalSeconds, precision: 6);
    }

    [Theory]
    [InlineData("30d", 30 * 24 * 3600.0)]
    [InlineData("12h", 12 * 3600.0)]
    [InlineData("90m", 90 * 60.0)]
    [InlineData("1.5d", 36 * 3600.0)]
    [InlineData("3600s", 3600.0)]
    [InlineData("2.00:00:00", 48 * 3600.0)]
    [InlineData(" 7d ", 7 * 24 * 3600.0)]
    public void TryParsePeriod_AcceptsUnitsAndTimeSpans(string text, double seconds)
    {
        Assert.True(ScrubSettings.TryParsePeriod(text, out var period));
        Assert.Equal(seconds, period.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("30 days")]
    [InlineData("-3d")]
    [InlineData("thirty")]
    [InlineData("9999999d")]
    public void TryParsePeriod_RefusesOtherText(string text) => Assert.False(ScrubSettings.TryParsePeriod(text, out _));

    [Fact]
    public void Covers_PacksTheWalkPassed_UntilThePeriodRunsOut()
    {
        var cursor = ScrubCursor.Start(T0);
        var early = Pack(0x10, 1);
        var current = Pack(0x80, 1);
        var later = Pack(0x80, 9);
        var untouched = Pack(0xf0, 1);
        var written = T0 - Day;

        cursor.Enter(0x10, T0 + Day);
        cursor.After = early.ToString();
        cursor.Enter(0x80, T0 + (2 * Day));
        cursor.After = current.ToString();

        var now = T0 + (3 * Day);
        Assert.True(cursor.Covers(early, written, now, 30 * Day));
        Assert.True(cursor.Covers(current, written, now, 30 * Day));
        Assert.False(cursor.Covers(later, written, now, 30 * Day)); // after the cursor, never walked before
        Assert.False(cursor.Covers(untouched, written, now, 30 * Day));
        Assert.False(cursor.Covers(early, T0 + (2 * Day), now, 30 * Day)); // written after its directory was entered
        Assert.False(cursor.Covers(early, written, T0 + (32 * Day), 30 * Day)); // verified longer ago than the period
    }

    [Fact]
    public void Covers_AfterAFullCycle_KeepsThePreviousCycleForWhatTheNewOneHasNotReached()
    {
        var cursor = ScrubCursor.Start(T0);
        var pack = Pack(0x80, 5);
        cursor.Enter(0x80, T0 + Day);
        cursor.After = pack.ToString();
        cursor.Enter(ScrubCursor.Prefixes, T0 + (2 * Day));
        cursor.BeginCycle(T0 + (3 * Day));
        cursor.Enter(0x80, T0 + (4 * Day));

        Assert.True(cursor.Covers(pack, T0, T0 + (5 * Day), 30 * Day)); // verified by the previous cycle on day 1
        Assert.False(cursor.Covers(pack, T0, T0 + (32 * Day), 30 * Day));
    }

    [Fact]
    public void BeginCycle_AbandoningADirectoryHalfWay_GivesItBackItsEarlierTime()
    {
        var cursor = ScrubCursor.Start(T0);
        var first = Pack(0x40, 1);
        var second = Pack(0x40, 2);
        cursor.Enter(0x40, T0 + Day);
        cursor.After = second.ToString();
        cursor.Enter(ScrubCursor.Prefixes, T0 + Day);
        cursor.BeginCycle(T0 + (2 * Day));
        cursor.Enter(0x40, T0 + (3 * Day));
        cursor.After = first.ToString();

        cursor.BeginCycle(T0 + (4 * Day)); // a full pass on demand starts over

        // The abandoned walk verified only the first pack of 0x40; the time kept for 0x40 is the older, complete one.
        Assert.Equal(T0 + Day, cursor.Entered[0x40]);
        Assert.True(cursor.Covers(second, T0, T0 + (5 * Day), 30 * Day));
    }

    [Fact]
    public void SaveAndLoad_RoundTrip_AndAnUnreadableFileStartsOver()
    {
        var dir = TestDirs.Create("scrub-cursor");
        try
        {
            var path = Path.Combine(dir, ScrubLoop.CursorFile);
            var cursor = ScrubCursor.Start(T0);
            cursor.Enter(0x33, T0 + Day);
            cursor.After = Pack(0x33, 7).ToString();
            cursor.MarkUnrepaired(Pack(0x01, 1));
            cursor.Save(path);

            var loaded = ScrubCursor.Load(path)!;
            Assert.Equal(0x33, loaded.Prefix);
            Assert.Equal(cursor.After, loaded.After);
            Assert.Equal(T0 + Day, loaded.Entered[0x33]);
            Assert.Equal(cursor.Unrepaired, loaded.Unrepaired);
            Assert.False(File.Exists(path + ".tmp"));

            File.WriteAllText(path, "{ not json");
            Assert.Null(ScrubCursor.Load(path));
            Assert.Null(ScrubCursor.Load(Path.Combine(dir, "absent.json")));
        }
        finally
        {
            TestDirs.Delete(dir);
        }
    }

    [Fact]
    public void MarkUnrepaired_RemembersEachPackOnce_UpToTheCap()
    {
        var cursor = ScrubCursor.Start(T0);
        Assert.True(cursor.MarkUnrepaired(Pack(1, 1)));
        Assert.False(cursor.MarkUnrepaired(Pack(1, 1)));
        for (var i = 0; i < ScrubCursor.MaxUnrepaired + 10; i++)
        {
            cursor.MarkUnrepaired(Pack(2, (byte)i));
        }

        Assert.Equal(ScrubCursor.MaxUnrepaired, cursor.Unrepaired.Count);
    }

    private static PackId Pack(int prefix, byte last)
    {
        var bytes = new byte[32];
        bytes[0] = (byte)prefix;
        bytes[31] = last;
        return PackId.FromBytes(bytes);
    }
}
