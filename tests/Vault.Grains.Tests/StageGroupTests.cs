using System.Threading.Channels;
using Vault.Grains.Jobs;

namespace Vault.Grains.Tests;

public sealed class StageGroupTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ConsumerFails_ProducerBlockedOnFullChannel_IsReleased_AndTheCauseIsThrown()
    {
        var channel = Channel.CreateBounded<int>(1);
        using var stages = new StageGroup(CancellationToken.None);
        stages.Start(async ct =>
        {
            for (var i = 0; ; i++)
            {
                await channel.Writer.WriteAsync(i, ct);
            }
        });
        stages.Start(async ct =>
        {
            await channel.Reader.ReadAsync(ct);
            throw new InvalidDataException("stage two broke");
        });

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => stages.WaitAsync().WaitAsync(Deadline));
        Assert.Equal("stage two broke", e.Message);
        Assert.True(stages.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task OuterCancellation_StopsEveryStage_AndIsReportedAsCancellation()
    {
        using var outer = new CancellationTokenSource();
        using var stages = new StageGroup(outer.Token);
        var started = new TaskCompletionSource();
        stages.Start(async ct =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        await started.Task.WaitAsync(Deadline);

        await outer.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stages.WaitAsync().WaitAsync(Deadline));
        Assert.Null(stages.Failure);
    }

    [Fact]
    public async Task FirstFailureWins_OverLaterOnes()
    {
        using var stages = new StageGroup(CancellationToken.None);
        var first = new TaskCompletionSource();
        stages.Start(_ =>
        {
            first.SetResult();
            throw new InvalidDataException("first");
        });
        stages.Start(async ct =>
        {
            await first.Task;
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            throw new IOException("second, caused by the first");
        });

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => stages.WaitAsync().WaitAsync(Deadline));
        Assert.Equal("first", e.Message);
    }

    [Fact]
    public async Task AllStagesSucceed_WaitReturns()
    {
        using var stages = new StageGroup(CancellationToken.None);
        var done = 0;
        for (var i = 0; i < 4; i++)
        {
            stages.Start(async ct =>
            {
                await Task.Yield();
                Interlocked.Increment(ref done);
            });
        }

        await stages.WaitAsync().WaitAsync(Deadline);
        Assert.Equal(4, done);
    }
}
