using Vault.Storage;

namespace Vault.Grains.Hosting;

/// <summary>
/// The storage layer knows nothing of Orleans; its errors become the serializable errors of
/// the grain interfaces here, once, at the edge of every grain call.
/// </summary>
public sealed class StorageErrorFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (StorageException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>The serializable error with the same code in <see cref="ErrorTable"/> (wrong password included).</summary>
    public static VaultException Translate(StorageException e) => ErrorTable.ToVaultException(e);
}
