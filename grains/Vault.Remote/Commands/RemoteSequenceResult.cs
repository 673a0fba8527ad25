namespace Vault.Remote.Commands;

/// <summary>The commands of a sequence that ran, in order; <see cref="NotRun"/> lists those skipped after a failure.</summary>
public sealed record RemoteSequenceResult(IReadOnlyList<RemoteCommandResult> Results, IReadOnlyList<string> NotRun)
{
    public bool Succeeded => NotRun.Count == 0 && Results.All(r => r.Succeeded);

    public RemoteCommandResult? FirstFailure => Results.FirstOrDefault(r => !r.Succeeded);
}
