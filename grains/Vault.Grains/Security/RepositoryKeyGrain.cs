using Orleans.Concurrency;
using Vault.Security;
using Vault.Storage;

namespace Vault.Grains.Security;

/// <summary>Changes the repository password through the node's <see cref="IRepositoryKeyStore"/>.</summary>
[StatelessWorker(1)]
public sealed class RepositoryKeyGrain(IRepositoryKeyStore store) : Grain, IRepositoryKeyGrain
{
    public async Task<string> ChangePasswordAsync(string oldPassword, string newPassword)
    {
        if (string.IsNullOrEmpty(newPassword))
        {
            throw new InvalidRequestException("the new password is empty");
        }

        if (newPassword == oldPassword)
        {
            throw new InvalidRequestException("the new password is the old one");
        }

        try
        {
            await store.ChangePasswordAsync(oldPassword, newPassword);
        }
        catch (WrongPasswordException)
        {
            // Never forward the storage message: it names the key file.
            throw new InvalidRequestException("the old password does not open the repository key; nothing was changed");
        }

        return store.Describe;
    }
}
