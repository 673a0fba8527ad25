using Vault.Failover;

namespace Vault.Grains.Failover;

/// <summary>
/// What survives the controller's silo: the configuration, the phase and epoch of the running
/// failover (written before each step acts), the current primary, fenced nodes and the audit trail.
/// Observations and failure counts are not kept: a new activation measures again.
/// </summary>
[GenerateSerializer, Alias("vault.failover-controller-state")]
public sealed class FailoverControllerState
{
    public const int MaxAudit = 1000;

    [Id(0)] public FailoverServiceSpec? Spec { get; set; }

    [Id(1)] public FailoverPhase Phase { get; set; }

    [Id(2)] public bool Halted { get; set; }

    /// <summary>Fencing token: incremented when a failover starts; every action and audit entry carries it.</summary>
    [Id(3)] public long Epoch { get; set; }

    /// <summary>The node that is (or, mid-failover, was) the primary.</summary>
    [Id(4)] public string? Primary { get; set; }

    [Id(5)] public FailoverKind? Kind { get; set; }

    [Id(6)] public string? Target { get; set; }

    [Id(7)] public int Attempts { get; set; }

    [Id(8)] public List<FailoverAuditEntry> Audit { get; set; } = [];

    [Id(9)] public List<FencedNode> Fenced { get; set; } = [];

    [Id(10)] public DateTimeOffset? LastFailover { get; set; }

    [Id(11)] public bool Paused { get; set; }

    [Id(12)] public string? LastError { get; set; }

    [Id(13)] public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When the primary was first seen failing, for the detection time of this failover.</summary>
    [Id(14)] public DateTimeOffset? FirstFailureAt { get; set; }

    [Id(15)] public bool Degraded { get; set; }

    /// <summary>The primary the running failover moves away from.</summary>
    [Id(16)] public string? OldPrimary { get; set; }

    public void Add(FailoverAuditEntry entry)
    {
        Audit.Add(entry);
        if (Audit.Count > MaxAudit)
        {
            Audit.RemoveRange(0, Audit.Count - MaxAudit);
        }
    }
}
