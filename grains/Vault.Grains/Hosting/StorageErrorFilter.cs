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

    public static VaultException Translate(StorageException e) => e switch
    {
        CorruptDataException or InvalidTreeException => new DataCorruptionException(e.Message),
        _ => new InvalidRequestException(e.Message),
    };
}
