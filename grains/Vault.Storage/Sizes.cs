namespace Vault.Storage;

/// <summary>Human-readable byte counts for error messages ("4 KiB", "1 MiB", "1000 B").</summary>
internal static class Sizes
{
    public const int KiB = 1024;
    public const int MiB = 1024 * 1024;

    public static string Format(long bytes)
    {
        if (bytes != 0 && bytes % MiB == 0)
        {
            return $"{bytes / MiB} MiB";
        }

        if (bytes != 0 && bytes % KiB == 0)
        {
            return $"{bytes / KiB} KiB";
        }

        return $"{bytes} B";
    }
}
