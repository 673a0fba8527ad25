// An Azure Blob Storage target (Azure.Storage.Blobs). Blobs are uploaded as block blobs (the SDK splits
// large ones into blocks and commits them at once, so no half blob is ever visible); the SHA-256 rides in
// the blob's metadata (sha256) and the retention date, with RetentionDays, in "retainuntil", which
// DeleteAsync honours before asking the service. Deletion protection by the service itself comes from a
// time-based retention policy on the container (docs/offsite.md).
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Vault.Offsite.Stores;

public sealed class AzureBlobOffsiteStore : IOffsiteStore
{
    private readonly BlobContainerClient _container;
    private readonly string _prefix;

    public AzureBlobOffsiteStore(string name, OffsiteTargetOptions options)
    {
        Name = name;
        _prefix = OffsiteLayout.NormalizePrefix(options.Prefix);
        var connection = SecretSource.Read(name, "ConnectionStringFile", options.ConnectionStringFile, "AZURE_STORAGE_CONNECTION_STRING");
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = 1;
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromMinutes(2);
        try
        {
            _container = new BlobContainerClient(connection, options.Container, clientOptions);
        }
        catch (FormatException e)
        {
            throw new OffsiteException($"target '{name}': the connection string is not valid ({e.Message})", e);
        }
    }

    public string Name { get; }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> bytes, DateTimeOffset? retainUntil, CancellationToken ct)
    {
        var metadata = new Dictionary<string, string> { [ObjectHash.MetadataKey] = ObjectHash.Of(bytes.Span) };
        if (retainUntil is { } until)
        {
            metadata[ObjectHash.RetainUntilKey] = until.ToUniversalTime().ToString("O");
        }

        try
        {
            await _container.GetBlobClient(_prefix + key).UploadAsync(new BinaryData(bytes), new BlobUploadOptions { Metadata = metadata }, ct);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw Failed("put", key, e);
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct)
    {
        try
        {
            var result = await _container.GetBlobClient(_prefix + key).DownloadContentAsync(ct);
            var bytes = result.Value.Content.ToArray();
            result.Value.Details.Metadata.TryGetValue(ObjectHash.MetadataKey, out var sha);
            ObjectHash.Verify(Name, key, bytes, sha, result.Value.Details.ContentLength);
            return bytes;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw Failed("get", key, e);
        }
    }

    public async Task<OffsiteObject?> HeadAsync(string key, CancellationToken ct)
    {
        try
        {
            var properties = (await _container.GetBlobClient(_prefix + key).GetPropertiesAsync(cancellationToken: ct)).Value;
            properties.Metadata.TryGetValue(ObjectHash.MetadataKey, out var sha);
            properties.Metadata.TryGetValue(ObjectHash.RetainUntilKey, out var until);
            return new OffsiteObject(key, properties.ContentLength, sha,
                DateTimeOffset.TryParse(until, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw Failed("head", key, e);
        }
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var pages = _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, _prefix + prefix, ct).AsPages();
        await using var e = pages.GetAsyncEnumerator(ct);
        while (true)
        {
            Page<BlobItem> page;
            try
            {
                if (!await e.MoveNextAsync())
                {
                    yield break;
                }

                page = e.Current;
            }
            catch (Exception ex) when (ex is RequestFailedException or AggregateException or HttpRequestException)
            {
                throw Failed("list", prefix, ex);
            }

            foreach (var item in page.Values)
            {
                yield return item.Name[_prefix.Length..];
            }
        }
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
            return (await _container.GetBlobClient(_prefix + key).DeleteIfExistsAsync(cancellationToken: ct)).Value;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw Failed("delete", key, e);
        }
    }

    public async Task ProbeAsync(CancellationToken ct)
    {
        try
        {
            await _container.GetPropertiesAsync(cancellationToken: ct);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw Failed("probe", $"container {_container.Name}", e);
        }
    }

    private OffsiteException Failed(string operation, string key, Exception e) =>
        new($"target '{Name}': {operation} {key} in container {_container.Name} failed: " + e switch
        {
            RequestFailedException { Status: 401 or 403 } r => $"access denied ({r.Status} {r.ErrorCode}); check the target's connection string (ConnectionStringFile)",
            RequestFailedException { Status: not 0 } r => $"{r.Status} {r.ErrorCode}",
            _ => $"no answer from {_container.Uri.GetLeftPart(UriPartial.Authority)}: {(e.InnerException ?? e).Message}",
        }, e);
}
