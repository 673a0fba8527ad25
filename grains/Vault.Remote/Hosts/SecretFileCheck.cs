namespace Vault.Remote.Hosts;

/// <summary>
/// The check ssh makes before using a private key: the file exists and neither group nor others may read,
/// write or execute it. A key that others can read is as good as published, so it is refused, not used.
/// </summary>
public static class SecretFileCheck
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Null when the file may be used; otherwise why not, naming the file and its mode.</summary>
    public static string? Problem(string path)
    {
        if (!File.Exists(path))
        {
            return $"'{path}' does not exist";
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & GroupOrOthers) != 0
            ? $"'{path}' has mode {Octal(mode)}: group or others can access it; it must be 0600 or 0400 (chmod 600 '{path}')"
            : null;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
