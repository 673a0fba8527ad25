using System.Diagnostics;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary>Follows a running job to its end, drawing the progress line, and cancels it on the server on Ctrl-C.</summary>
public static class JobWatcher
{
    public static async Task<Job> FollowAsync(CommandContext context, Job started, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var drawn = 0;
        var last = started;
        try
        {
            await foreach (var job in context.Client.WatchJobAsync(started.Id, started.Node, cancellationToken))
            {
                last = job;
                if (context.ShowProgress && job.State == JobState.Running && job.Progress is { } progress)
                {
                    var line = Formatting.ProgressLine(progress, clock.Elapsed);
                    await context.Out.WriteAsync("\r" + line.PadRight(drawn));
                    drawn = line.Length;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ClearAsync(context, drawn);
            await CancelOnServerAsync(context, last);
            throw;
        }

        await ClearAsync(context, drawn);
        return last;
    }

    /// <summary>Writes the job's warnings to stderr, and how many more there were.</summary>
    public static async Task WriteWarningsAsync(CommandContext context, Job job)
    {
        foreach (var warning in job.Warnings)
        {
            await context.Error.WriteLineAsync($"vault: warning: {warning}");
        }

        var more = (job.Progress?.Errors ?? 0) - job.Warnings.Count;
        if (more > 0)
        {
            await context.Error.WriteLineAsync($"vault: warning: {more} more problems not shown");
        }
    }

    public static TimeSpan Elapsed(Job job) =>
        job.Started is null || job.Finished is null ? TimeSpan.Zero : job.Finished.ToDateTimeOffset() - job.Started.ToDateTimeOffset();

    private static async Task ClearAsync(CommandContext context, int drawn)
    {
        if (drawn > 0)
        {
            await context.Out.WriteAsync("\r" + new string(' ', drawn) + "\r");
        }
    }

    private static async Task CancelOnServerAsync(CommandContext context, Job job)
    {
        using var timeout = new CancellationTokenSource(context.Environment.CancelTimeout);
        try
        {
            await context.Client.CancelJobAsync(job.Id, job.Node, timeout.Token);
            await context.Error.WriteLineAsync($"vault: job {job.Id} cancelled on the server");
        }
        catch (Exception e) when (e is Client.VaultClientException or OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"vault: warning: could not cancel job {job.Id} on the server: {e.Message}");
        }
    }
}
