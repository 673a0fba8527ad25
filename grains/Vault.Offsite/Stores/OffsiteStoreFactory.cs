namespace Vault.Offsite.Stores;

/// <summary>Makes the store of a target from its settings (validated beforehand by <see cref="OffsiteTargetValidator"/>).</summary>
public static class OffsiteStoreFactory
{
    public static IOffsiteStore Create(string name, OffsiteTargetOptions options) => options.Kind switch
    {
        OffsiteTargetKind.S3 => new S3OffsiteStore(name, options),
        OffsiteTargetKind.AzureBlob => new AzureBlobOffsiteStore(name, options),
        _ => throw new OffsiteException($"target '{name}': unknown kind {options.Kind}"),
    };
}
