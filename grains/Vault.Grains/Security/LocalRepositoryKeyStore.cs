using Vault.Grains.Node;
using Vault.Storage;

namespace Vault.Grains.Security;

/// <summary>The embedded node's key file: repo/keys/master.json in the data directory, replaced atomically.</summary>
public sealed class LocalRepositoryKeyStore(VaultNode node) : IRepositoryKeyStore
{
    private static readonly SemaphoreSlim s_one = new(1, 1);

    public string Describe => "data directory";

    public async Task ChangePasswordAsync(string oldPassword, string newPassword)
    {
        await s_one.WaitAsync();
        try
        {
            // Argon2id is slow on purpose: off the grain's thread.
            await Task.Run(() => LocalRepository.ChangePassword(node.DataDir, oldPassword, newPassword));
        }
        finally
        {
            s_one.Release();
        }
    }
}
