using System.Text;

namespace Vault.Gateway;

/// <summary>
/// Bounds on what one request may carry, checked before any grain call so that a hostile or mistaken request is
/// a clear 400 (InvalidArgument) rather than minutes of work, a stored snapshot too large to list, or an
/// operating-system error deep in a node ("File name too long"). Paths and names follow Linux's limits
/// (PATH_MAX 4096 bytes, NAME_MAX 255 bytes per component).
/// </summary>
public static class RequestLimits
{
    public const int MaxPathBytes = 4096;

    public const int MaxPathComponentBytes = 255;

    /// <summary>Paths of one backup; together at most <see cref="MaxTotalPathBytes"/>.</summary>
    public const int MaxPaths = 1000;

    public const int MaxTotalPathBytes = 256 * 1024;

    public const int MaxTags = 100;

    public const int MaxTagLength = 128;

    /// <summary>Exclude patterns of one backup, and include paths of one restore.</summary>
    public const int MaxPatterns = 1000;

    /// <summary>Node names, filters and other short identifiers.</summary>
    public const int MaxNameLength = 255;

    /// <summary>A path that is absolute, within PATH_MAX and NAME_MAX, without NUL.</summary>
    public static void CheckPath(string path, string what)
    {
        var bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
        {
            throw new InvalidRequestException($"{what} '{AccessInterceptor.Shorten(path, 80)}' has {bytes} bytes; at most {MaxPathBytes} are allowed");
        }

        if (path.Contains('\0'))
        {
            throw new InvalidRequestException($"{what} '{AccessInterceptor.Shorten(path.Replace('\0', '?'), 80)}' contains a NUL character");
        }

        foreach (var component in path.Split('/'))
        {
            if (Encoding.UTF8.GetByteCount(component) > MaxPathComponentBytes)
            {
                throw new InvalidRequestException(
                    $"{what} '{AccessInterceptor.Shorten(path, 80)}' has a component of {Encoding.UTF8.GetByteCount(component)} bytes ('{AccessInterceptor.Shorten(component, 40)}'); at most {MaxPathComponentBytes} are allowed (file name too long)");
            }
        }
    }

    /// <summary>The paths of one backup: at most <see cref="MaxPaths"/>, <see cref="MaxTotalPathBytes"/> together.</summary>
    public static void CheckPaths(IReadOnlyCollection<string> paths, string what)
    {
        if (paths.Count > MaxPaths)
        {
            throw new InvalidRequestException($"{paths.Count} {what}s given; at most {MaxPaths} are allowed (back up a common parent instead)");
        }

        var total = paths.Sum(p => (long)Encoding.UTF8.GetByteCount(p));
        if (total > MaxTotalPathBytes)
        {
            throw new InvalidRequestException($"the {what}s have {total} bytes together; at most {MaxTotalPathBytes} are allowed");
        }
    }

    public static void CheckTags(IReadOnlyCollection<string> tags, string what = "tag")
    {
        if (tags.Count > MaxTags)
        {
            throw new InvalidRequestException($"{tags.Count} {what}s given; at most {MaxTags} are allowed");
        }

        foreach (var tag in tags)
        {
            if (tag.Length > MaxTagLength)
            {
                throw new InvalidRequestException($"{what} '{AccessInterceptor.Shorten(tag, 40)}' has {tag.Length} characters; at most {MaxTagLength} are allowed");
            }
        }
    }

    public static void CheckPatterns(IReadOnlyCollection<string> patterns, string what)
    {
        if (patterns.Count > MaxPatterns)
        {
            throw new InvalidRequestException($"{patterns.Count} {what}s given; at most {MaxPatterns} are allowed");
        }

        foreach (var pattern in patterns)
        {
            if (Encoding.UTF8.GetByteCount(pattern) > MaxPathBytes)
            {
                throw new InvalidRequestException($"{what} '{AccessInterceptor.Shorten(pattern, 40)}' has {Encoding.UTF8.GetByteCount(pattern)} bytes; at most {MaxPathBytes} are allowed");
            }
        }
    }

    public static void CheckName(string name, string what)
    {
        if (name.Length > MaxNameLength)
        {
            throw new InvalidRequestException($"{what} '{AccessInterceptor.Shorten(name, 40)}' has {name.Length} characters; at most {MaxNameLength} are allowed");
        }
    }
}
