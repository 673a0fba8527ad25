// An S3-compatible target (AWSSDK.S3). Objects up to MultipartThreshold go up in one PUT, larger ones as a
// multipart upload of PartSize parts (aborted when a part fails, so no half object is ever visible). The
// SHA-256 rides in x-amz-meta-sha256; with RetentionDays the object also carries S3 Object Lock headers
// (COMPLIANCE, retain-until) and x-amz-meta-retainuntil, which DeleteAsync honours before asking the store.
// Checksums are sent only where the operation requires them: many S3-compatible stores do not accept the
// SDK's streaming trailer checksums.
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Vault.Offsite.Stores;

public sealed class S3OffsiteStore : IOffsiteStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly OffsiteTargetOptions _options;
    private readonly string _bucket;
    private readonly string _prefix;

    public S3OffsiteStore(string name, OffsiteTargetOptions options)
    {
        Name = name;
        _options = options;
        _bucket = options.Bucket ?? throw new OffsiteException($"target '{name}': no bucket");
        _prefix = OffsiteLayout.NormalizePrefix(options.Prefix);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            AuthenticationRegion = options.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 1,
            Timeout = TimeSpan.FromMinutes(2),
        };
        if (options.Endpoint is { Length: > 0 } endpoint)
        {
            config.ServiceURL = endpoint;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        var credentials = new BasicAWSCredentials(
            SecretSource.Read(name, "AccessKeyIdFile", options.AccessKeyIdFile, "AWS_ACCESS_KEY_ID"),
            SecretSource.Read(name, "SecretAccessKeyFile", options.SecretAccessKeyFile, "AWS_SECRET_ACCESS_KEY"));
        _client = new AmazonS3Client(credentials, config);
    }

    public string Name { get; }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> bytes, DateTimeOffset? retainUntil, CancellationToken ct)
    {
        var full = _prefix + key;
        var sha = ObjectHash.Of(bytes.Span);
        try
        {
            if (bytes.Length > _options.MultipartThreshold)
            {
                await PutMultipartAsync(full, bytes, sha, retainUntil, ct);
                return;
            }

            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = full,
                InputStream = AsStream(bytes),
                AutoCloseStream = true,
                UseChunkEncoding = false,
            };
            Describe(request.Metadata, sha, retainUntil);
            if (_options.StorageClass is { Length: > 0 } storageClass)
            {
                request.StorageClass = S3StorageClass.FindValue(storageClass);
            }

            if (retainUntil is { } until)
            {
                request.ObjectLockMode = ObjectLockMode.Compliance;
                request.ObjectLockRetainUntilDate = until.UtcDateTime;
            }

            await _client.PutObjectAsync(request, ct);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw Failed("put", full, e);
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct)
    {
        var full = _prefix + key;
        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = full }, ct);
            var length = response.ContentLength;
            using var buffer = new MemoryStream(length is > 0 and < int.MaxValue ? (int)length : 0);
            await response.ResponseStream.CopyToAsync(buffer, ct);
            var bytes = buffer.ToArray();
            ObjectHash.Verify(Name, key, bytes, response.Metadata[ObjectHash.MetadataKey], length);
            return bytes;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw Failed("get", full, e);
        }
        catch (IOException e)
        {
            throw new OffsiteCorruptException(Name, key, $"the transfer broke off: {e.Message}");
        }
    }

    public async Task<OffsiteObject?> HeadAsync(string key, CancellationToken ct)
    {
        var full = _prefix + key;
        try
        {
            var response = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = full }, ct);
            return new OffsiteObject(key, response.ContentLength, response.Metadata[ObjectHash.MetadataKey], RetainUntil(response.Metadata[ObjectHash.RetainUntilKey]));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw Failed("head", full, e);
        }
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        string? token = null;
        do
        {
            ListObjectsV2Response response;
            try
            {
                response = await _client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = _bucket,
                    Prefix = _prefix + prefix,
                    ContinuationToken = token,
                }, ct);
            }
            catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
                throw Failed("list", _prefix + prefix, e);
            }

            foreach (var o in response.S3Objects ?? [])
            {
                yield return o.Key[_prefix.Length..];
            }

            token = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (token is not null);
    }

    public async Task<bool> DeleteAsync(string key, DateTimeOffset now, CancellationToken ct)
    {
        var head = await HeadAsync(key, ct);
        if (head is null)
        {
            return false;
        }

        if (head.RetainUntil is { } until && until > now)
        {
            throw new OffsiteRetainedException(Name, key, until);
        }

        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = _prefix + key }, ct);
            return true;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            throw Failed("delete", _prefix + key, e);
        }
    }

    /// <summary>A HEAD of the configuration object: answered (found or not) only when the bucket exists and the credentials are accepted.</summary>
    public async Task ProbeAsync(CancellationToken ct) => await HeadAsync(OffsiteLayout.Config, ct);

    public void Dispose() => _client.Dispose();

    private async Task PutMultipartAsync(string full, ReadOnlyMemory<byte> bytes, string sha, DateTimeOffset? retainUntil, CancellationToken ct)
    {
        var start = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = full };
        Describe(start.Metadata, sha, retainUntil);
        if (_options.StorageClass is { Length: > 0 } storageClass)
        {
            start.StorageClass = S3StorageClass.FindValue(storageClass);
        }

        if (retainUntil is { } until)
        {
            start.ObjectLockMode = ObjectLockMode.Compliance;
            start.ObjectLockRetainUntilDate = until.UtcDateTime;
        }

        var upload = await _client.InitiateMultipartUploadAsync(start, ct);
        try
        {
            var parts = new List<PartETag>();
            var partSize = (int)_options.PartSize;
            for (int offset = 0, number = 1; offset < bytes.Length; offset += partSize, number++)
            {
                var part = bytes.Slice(offset, Math.Min(partSize, bytes.Length - offset));
                var response = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = full,
                    UploadId = upload.UploadId,
                    PartNumber = number,
                    InputStream = AsStream(part),
                    PartSize = part.Length,
                    UseChunkEncoding = false,
                }, ct);
                parts.Add(new PartETag(number, response.ETag));
            }

            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = full,
                UploadId = upload.UploadId,
                PartETags = parts,
            }, ct);
        }
        catch
        {
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = full, UploadId = upload.UploadId }, CancellationToken.None);
            }
            catch (AmazonServiceException)
            {
                // The store's lifecycle rules remove abandoned parts; the upload is retried as a whole.
            }

            throw;
        }
    }

    private static void Describe(MetadataCollection metadata, string sha, DateTimeOffset? retainUntil)
    {
        metadata.Add(ObjectHash.MetadataKey, sha);
        if (retainUntil is { } until)
        {
            metadata.Add(ObjectHash.RetainUntilKey, until.ToUniversalTime().ToString("O"));
        }
    }

    private static DateTimeOffset? RetainUntil(string? value) =>
        DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    private static MemoryStream AsStream(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    private OffsiteException Failed(string operation, string key, Exception e) =>
        new($"target '{Name}': {operation} {key} in bucket {_bucket} failed: " + e switch
        {
            AmazonServiceException { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized } s =>
                $"access denied ({(int)s.StatusCode} {s.ErrorCode}); check the target's credentials (AccessKeyIdFile/SecretAccessKeyFile)",
            AmazonServiceException { StatusCode: not 0 } s => $"{(int)s.StatusCode} {s.ErrorCode}: {s.Message}",
            _ => $"no answer from {_client.Config.ServiceURL ?? "S3"}: {(e.InnerException ?? e).Message}",
        }, e);
}
