using System.Runtime.ExceptionServices;

namespace Vault.Grains.Jobs;

/// <summary>
/// The stages of one pipeline (a walker, writers, readers) sharing one cancellation. The first
/// stage to fail records its exception and cancels <see cref="Token"/>, which every stage and
/// every wait of a stage (channel reads and writes, parallel loops, I/O) observes, so no stage is
/// left blocked on a channel its partner will never drain. <see cref="WaitAsync"/> returns once
/// every stage has stopped and throws the first failure: the cause, not the cancellations it set
/// off in the other stages.
/// </summary>
public sealed class StageGroup : IDisposable
{
    private readonly CancellationToken _outer;
    private readonly CancellationTokenSource _cts;
    private readonly List<Task> _stages = [];
    private Exception? _failure;

    public StageGroup(CancellationToken outer)
    {
        _outer = outer;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
    }

    /// <summary>Cancelled when a stage fails or the job is cancelled.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The first failure of a stage (never a cancellation caused by another failure).</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Starts a stage on the thread pool; its failure stops every other stage.</summary>
    public void Start(Func<CancellationToken, Task> stage)
    {
        var task = Task.Run(() => RunAsync(stage), CancellationToken.None);
        lock (_stages)
        {
            _stages.Add(task);
        }
    }

    /// <summary>
    /// Records a failure met outside a started stage (or inside one that handles it) and stops every
    /// stage. A cancellation that this group caused is not a cause and is ignored.
    /// </summary>
    public void Fail(Exception e)
    {
        if (e is OperationCanceledException && _cts.IsCancellationRequested)
        {
            return;
        }

        Interlocked.CompareExchange(ref _failure, e, null);
        Stop();
    }

    /// <summary>Stops every stage without a failure of its own (the job gave up for another reason).</summary>
    public void Stop()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Waits until every stage has stopped; throws the first failure, or
    /// <see cref="OperationCanceledException"/> when the job was cancelled or a stage stopped early.
    /// </summary>
    public async Task WaitAsync()
    {
        Task[] stages;
        lock (_stages)
        {
            stages = [.. _stages];
        }

        try
        {
            await Task.WhenAll(stages);
        }
        catch
        {
            // The first failure is recorded; the others are its consequences.
        }

        ThrowIfStopped();
    }

    /// <summary>Throws the first failure, or a cancellation when the group was stopped.</summary>
    public void ThrowIfStopped()
    {
        if (Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        _outer.ThrowIfCancellationRequested();
        _cts.Token.ThrowIfCancellationRequested();
    }

    public void Dispose() => _cts.Dispose();

    private async Task RunAsync(Func<CancellationToken, Task> stage)
    {
        try
        {
            await stage(_cts.Token);
        }
        catch (Exception e)
        {
            Fail(e);
            throw;
        }
    }
}
