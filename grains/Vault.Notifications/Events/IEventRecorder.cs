namespace Vault.Notifications;

/// <summary>Writes every published event to the cluster's audit log (implemented where the audit log lives).</summary>
public interface IEventRecorder
{
    Task RecordAsync(VaultEvent notification, string node, CancellationToken cancellationToken);
}
