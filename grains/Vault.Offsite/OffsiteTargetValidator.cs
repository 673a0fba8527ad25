namespace Vault.Offsite;

/// <summary>The rules of one target's settings; each message names the key, its value and the rule.</summary>
public static class OffsiteTargetValidator
{
    public static IEnumerable<string> Validate(string path, OffsiteTargetOptions t)
    {
        if (t.Prefix.StartsWith('/') || t.Prefix.Contains("//", StringComparison.Ordinal) || t.Prefix.Contains('\\'))
        {
            yield return $"{path}:Prefix is '{t.Prefix}'; must be relative ('a/b'), without '//' or '\\'";
        }

        if (t.RetentionDays is < 0 or > 36500)
        {
            yield return $"{path}:RetentionDays is {t.RetentionDays}; must be between 0 (none) and 36500";
        }

        switch (t.Kind)
        {
            case OffsiteTargetKind.S3:
                if (string.IsNullOrWhiteSpace(t.Bucket))
                {
                    yield return $"{path}:Bucket is empty; an S3 target needs a bucket";
                }

                if (t.Endpoint is { Length: > 0 } e && (!Uri.TryCreate(e, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                {
                    yield return $"{path}:Endpoint is '{e}'; must be an absolute http:// or https:// URL";
                }

                if (string.IsNullOrWhiteSpace(t.Region))
                {
                    yield return $"{path}:Region is empty; give the signing region (us-east-1 for most S3-compatible stores)";
                }

                if (t.PartSize < 5L * 1024 * 1024 || t.PartSize > 5L * 1024 * 1024 * 1024)
                {
                    yield return $"{path}:PartSize is {t.PartSize}; must be between 5 MiB and 5 GiB (S3's limits)";
                }

                if (t.MultipartThreshold < t.PartSize)
                {
                    yield return $"{path}:MultipartThreshold is {t.MultipartThreshold}; must be at least PartSize ({t.PartSize})";
                }

                foreach (var error in SecretSource(path, "AccessKeyIdFile", t.AccessKeyIdFile, "AWS_ACCESS_KEY_ID"))
                {
                    yield return error;
                }

                foreach (var error in SecretSource(path, "SecretAccessKeyFile", t.SecretAccessKeyFile, "AWS_SECRET_ACCESS_KEY"))
                {
                    yield return error;
                }

                break;
            case OffsiteTargetKind.AzureBlob:
                if (string.IsNullOrWhiteSpace(t.Container))
                {
                    yield return $"{path}:Container is empty; an Azure Blob target needs a container";
                }

                foreach (var error in SecretSource(path, "ConnectionStringFile", t.ConnectionStringFile, "AZURE_STORAGE_CONNECTION_STRING"))
                {
                    yield return error;
                }

                break;
            default:
                yield return $"{path}:Kind is {t.Kind}; must be S3 or AzureBlob";
                break;
        }
    }

    private static IEnumerable<string> SecretSource(string path, string key, string? file, string variable)
    {
        if (file is { Length: > 0 })
        {
            if (!File.Exists(file))
            {
                yield return $"{path}:{key} is '{file}'; the file does not exist";
            }
        }
        else if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            yield return $"{path}:{key} is empty and the environment variable {variable} is not set; give one of them";
        }
    }
}
