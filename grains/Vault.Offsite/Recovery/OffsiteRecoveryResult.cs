namespace Vault.Offsite.Recovery;

/// <summary>What a recovery brought back: packs (including ones already present), bytes downloaded, snapshot records.</summary>
public sealed record OffsiteRecoveryResult(long Packs, long Bytes, int Snapshots);
