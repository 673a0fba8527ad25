namespace Vault.Offsite;

/// <summary>One off-site target: Vault:Offsite:Targets:&lt;name&gt;:… (see docs/offsite.md).</summary>
public sealed class OffsiteTargetOptions
{
    public OffsiteTargetKind Kind { get; set; } = OffsiteTargetKind.S3;

    /// <summary>Key prefix inside the bucket or container ("" or e.g. "vault/prod").</summary>
    public string Prefix { get; set; } = "";

    /// <summary>S3: service URL, e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000; empty = AWS by region.</summary>
    public string? Endpoint { get; set; }

    /// <summary>S3: signing region (us-east-1 for most S3-compatible stores).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>S3: the bucket.</summary>
    public string? Bucket { get; set; }

    /// <summary>S3: path-style addressing (http://host/bucket/key), needed by most S3-compatible stores.</summary>
    public bool PathStyle { get; set; }

    /// <summary>S3: a file holding the access key id (first line); empty = environment variable AWS_ACCESS_KEY_ID.</summary>
    public string? AccessKeyIdFile { get; set; }

    /// <summary>S3: a file holding the secret access key (first line); empty = environment variable AWS_SECRET_ACCESS_KEY.</summary>
    public string? SecretAccessKeyFile { get; set; }

    /// <summary>S3: storage class of new objects (STANDARD, STANDARD_IA, GLACIER_IR, …); empty = the bucket's default.</summary>
    public string? StorageClass { get; set; }

    /// <summary>S3: objects larger than this go up in parts (multipart upload).</summary>
    public long MultipartThreshold { get; set; } = 32L * 1024 * 1024;

    /// <summary>S3: the size of each part of a multipart upload (at least 5 MiB).</summary>
    public long PartSize { get; set; } = 8L * 1024 * 1024;

    /// <summary>Azure: a file holding the connection string; empty = environment variable AZURE_STORAGE_CONNECTION_STRING.</summary>
    public string? ConnectionStringFile { get; set; }

    /// <summary>Azure: the container.</summary>
    public string? Container { get; set; }

    /// <summary>
    /// Days every object is retained (S3 Object Lock in COMPLIANCE mode / recorded retain-until); 0 = none.
    /// Garbage collection never deletes an object before its retain-until date.
    /// </summary>
    public int RetentionDays { get; set; }
}
