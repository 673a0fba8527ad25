namespace Vault.Grains.Security;

/// <summary>
/// Where the password-wrapped master key lives: the data directory (embedded) or the cluster
/// database (cluster mode, which also refreshes this node's copy). One implementation per mode.
/// </summary>
public interface IRepositoryKeyStore
{
    /// <summary>"data directory" or "cluster database".</summary>
    string Describe { get; }

    /// <summary>Re-wraps the master key; throws WrongPasswordException when the old password does not open it.</summary>
    Task ChangePasswordAsync(string oldPassword, string newPassword);
}
