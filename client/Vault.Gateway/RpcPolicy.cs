using Vault.Security;

namespace Vault.Gateway;

/// <summary>What one RPC requires: the least role allowed to call it, and whether it changes anything (audited).</summary>
public sealed record RpcRule(ApiRole Role, bool Mutating, bool AppendOnly = false);

/// <summary>
/// The role every RPC of <c>VaultService</c> requires. An RPC missing from the table is refused at
/// start (<see cref="CheckComplete"/>), so a new RPC cannot ship without a declared role.
/// </summary>
public static class RpcPolicy
{
    public static IReadOnlyDictionary<string, RpcRule> Rules { get; } = new Dictionary<string, RpcRule>(StringComparer.Ordinal)
    {
        ["StartBackup"] = new(ApiRole.Operator, Mutating: true, AppendOnly: true),
        ["StartRestore"] = new(ApiRole.Operator, Mutating: true),
        ["CancelJob"] = new(ApiRole.Operator, Mutating: true),
        ["BackupStream"] = new(ApiRole.Operator, Mutating: true, AppendOnly: true),
        ["GetJob"] = new(ApiRole.Reader, Mutating: false, AppendOnly: true),
        ["WatchJob"] = new(ApiRole.Reader, Mutating: false, AppendOnly: true),
        ["ListSnapshots"] = new(ApiRole.Reader, Mutating: false),
        ["GetSnapshot"] = new(ApiRole.Reader, Mutating: false),
        ["ListFiles"] = new(ApiRole.Reader, Mutating: false),
        ["GetStatus"] = new(ApiRole.Reader, Mutating: false),
        ["Dump"] = new(ApiRole.Reader, Mutating: false),
        ["CreateApiKey"] = new(ApiRole.Admin, Mutating: true),
        ["RevokeApiKey"] = new(ApiRole.Admin, Mutating: true),
        ["ListApiKeys"] = new(ApiRole.Admin, Mutating: false),
        ["ListAudit"] = new(ApiRole.Admin, Mutating: false),
        ["ListPeers"] = new(ApiRole.Reader, Mutating: false),
        ["RunGc"] = new(ApiRole.Operator, Mutating: true),
        ["GetGcStatus"] = new(ApiRole.Reader, Mutating: false),
        ["DecommissionPeer"] = new(ApiRole.Admin, Mutating: true),
        ["GetFailoverStatus"] = new(ApiRole.Reader, Mutating: false),
        ["GetFailoverHistory"] = new(ApiRole.Reader, Mutating: false),
        ["Switchover"] = new(ApiRole.Operator, Mutating: true),
        ["Failover"] = new(ApiRole.Operator, Mutating: true),
        ["PauseFailover"] = new(ApiRole.Operator, Mutating: true),
        ["ResumeFailover"] = new(ApiRole.Operator, Mutating: true),
        ["Forget"] = new(ApiRole.Operator, Mutating: true),
        ["StartCheck"] = new(ApiRole.Operator, Mutating: false),
        ["ListSchedules"] = new(ApiRole.Reader, Mutating: false),
        ["GetSchedule"] = new(ApiRole.Reader, Mutating: false),
        ["PutSchedule"] = new(ApiRole.Operator, Mutating: true),
        ["DeleteSchedule"] = new(ApiRole.Operator, Mutating: true),
        ["RunScheduleNow"] = new(ApiRole.Operator, Mutating: true),
        ["RotateApiKey"] = new(ApiRole.Admin, Mutating: true),
        ["ChangePassword"] = new(ApiRole.Admin, Mutating: true),
        // Remote operations act on hosts with the node's SSH keys: admin only, and every one audited, even a status query.
        ["RemoteExec"] = new(ApiRole.Admin, Mutating: true),
        ["RemoteService"] = new(ApiRole.Admin, Mutating: true),
        ["RemoteUpload"] = new(ApiRole.Admin, Mutating: true),
        ["RemoteDownload"] = new(ApiRole.Admin, Mutating: true),
        ["RemoteTrust"] = new(ApiRole.Admin, Mutating: true),
        ["GetNotifyStatus"] = new(ApiRole.Reader, Mutating: false),
        ["TestNotifyChannel"] = new(ApiRole.Operator, Mutating: true),
        ["GetOffsiteStatus"] = new(ApiRole.Reader, Mutating: false),
        // Rejoin stops, rewinds and restarts a database on its machine: admin only.
        ["RejoinFailoverNode"] = new(ApiRole.Admin, Mutating: true),
    };

    /// <summary>The rule of a gRPC method path ("/vault.v1.VaultService/GetStatus").</summary>
    public static RpcRule For(string method)
    {
        var name = method[(method.LastIndexOf('/') + 1)..];
        return Rules.TryGetValue(name, out var rule)
            ? rule
            : throw new InvalidOperationException($"RPC '{method}' declares no role in {nameof(RpcPolicy)}");
    }

    /// <summary>Throws when an RPC of the service has no rule, or a rule names no RPC.</summary>
    public static void CheckComplete()
    {
        var methods = V1.VaultService.Descriptor.Methods.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var missing = methods.Where(m => !Rules.ContainsKey(m)).ToList();
        var stale = Rules.Keys.Where(k => !methods.Contains(k)).ToList();
        if (missing.Count > 0 || stale.Count > 0)
        {
            throw new InvalidOperationException(
                $"{nameof(RpcPolicy)} is out of date: RPCs without a role: [{string.Join(", ", missing)}]; rules for no RPC: [{string.Join(", ", stale)}]");
        }
    }

    public static bool Allows(ApiRole held, ApiRole required) => held != ApiRole.AppendOnly && held >= required;

    /// <summary>An append-only key may call only the RPCs marked AppendOnly; the other roles go by order.</summary>
    public static bool Allows(ApiRole held, RpcRule rule) => held == ApiRole.AppendOnly ? rule.AppendOnly : Allows(held, rule.Role);
}
