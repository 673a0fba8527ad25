namespace Vault.Offsite;

/// <summary>The kind of object store behind a target.</summary>
public enum OffsiteTargetKind
{
    /// <summary>Amazon S3 or any S3-compatible store (MinIO, Ceph RGW, Google Cloud Storage's XML API, …).</summary>
    S3 = 0,

    /// <summary>Azure Blob Storage.</summary>
    AzureBlob = 1,
}
