using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Vault.Configuration;

/// <summary>
/// Binds a configuration section to an options type and refuses what <c>ConfigurationBinder.Bind</c> lets
/// through: a value that does not convert (the stock binder drops it silently inside lists and dictionaries,
/// and elsewhere blames the wrong key), a key the type does not have (the stock binder ignores it), an enum
/// value that is a number or no member, a list entry whose key is not an index. Every problem is reported, each
/// naming the full key, its value and the rule; an unknown key comes with the nearest valid key.
/// The checks walk the configuration tree against the type first; only a tree that passes is handed to the
/// stock binder, so the binding itself stays the framework's.
/// </summary>
public static class StrictBinder
{
    /// <summary>
    /// Binds <paramref name="path"/> to a new <typeparamref name="T"/>, or throws a
    /// <see cref="ConfigurationBindingException"/> listing every problem. Sub-sections registered in
    /// <paramref name="schema"/> are left to their own binding (they are not unknown keys of this one).
    /// </summary>
    public static T Bind<T>(IConfiguration configuration, string path, ConfigurationSchema? schema = null)
        where T : new()
    {
        var errors = Check(typeof(T), configuration, path, schema);
        if (errors.Count > 0)
        {
            throw new ConfigurationBindingException(errors);
        }

        var section = configuration.GetSection(path);
        return section.Exists() ? section.Get<T>() ?? new T() : new T();
    }

    /// <summary>Every problem of <paramref name="path"/> as <paramref name="type"/>; empty when it binds cleanly.</summary>
    public static IReadOnlyList<string> Check(Type type, IConfiguration configuration, string path, ConfigurationSchema? schema = null)
    {
        var errors = new List<string>();
        var section = configuration.GetSection(path);
        if (section.Exists())
        {
            Walk(type, section, errors, schema);
        }

        return errors;
    }

    private static void Walk(Type type, IConfigurationSection section, List<string> errors, ConfigurationSchema? schema)
    {
        var children = section.GetChildren().ToList();
        if (IsScalar(type))
        {
            if (children.Count > 0)
            {
                errors.Add($"{section.Path} takes a single value ({Rule(type)}); it has sub-keys {string.Join(", ", children.Select(c => c.Key))}");
            }
            else if (section.Value is { } value && Convert(type, value) is { } rule)
            {
                errors.Add($"{section.Path} is '{value}'; {rule}");
            }

            return;
        }

        if (children.Count == 0)
        {
            if (!string.IsNullOrEmpty(section.Value))
            {
                errors.Add($"{section.Path} is '{section.Value}'; it is a section, not a single value: set its keys ({section.Path}:…)");
            }

            return;
        }

        if (DictionaryTypes(type) is var (keyType, valueType))
        {
            foreach (var child in children)
            {
                if (keyType != typeof(string) && Convert(keyType, child.Key) is { } rule)
                {
                    errors.Add($"{child.Path}: the key '{child.Key}' {rule}");
                    continue;
                }

                Walk(valueType, child, errors, schema);
            }

            return;
        }

        if (ElementType(type) is { } elementType)
        {
            foreach (var child in children)
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{child.Path}: '{child.Key}' is not a list index; {section.Path} is a list: its entries are {section.Path}:0, {section.Path}:1, …");
                    continue;
                }

                Walk(elementType, child, errors, schema);
            }

            return;
        }

        var members = Members(type);
        foreach (var child in children)
        {
            if (members.TryGetValue(child.Key, out var memberType))
            {
                Walk(memberType, child, errors, schema);
            }
            else if (schema?.Covers(child.Path) != true)
            {
                var candidates = members.Keys.Concat(schema?.ChildrenOf(section.Path) ?? []).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                errors.Add(Unknown(section.Path, child.Key, candidates));
            }
        }

    }

    /// <summary>The message for an unknown key, with the nearest valid key when one is close.</summary>
    internal static string Unknown(string parent, string key, IReadOnlyCollection<string> candidates)
    {
        var nearest = Nearest(key, candidates);
        var known = string.Join(", ", candidates.Order(StringComparer.OrdinalIgnoreCase).Take(40));
        return nearest is not null
            ? $"{parent}:{key} is not a setting (unknown key); did you mean {parent}:{nearest}?"
            : $"{parent}:{key} is not a setting (unknown key); the keys of {parent} are {(known.Length > 0 ? known : "none")}";
    }

    /// <summary>The candidate closest to <paramref name="key"/> by edit distance (case ignored), when close enough to be a typo.</summary>
    internal static string? Nearest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        if (best is not null && bestDistance <= Math.Max(2, key.Length / 3))
        {
            return best;
        }

        // A key cut short ("Certificate" for "CertificateFile") is a typo too.
        return key.Length >= 4
            ? candidates.Where(c => c.StartsWith(key, StringComparison.OrdinalIgnoreCase)).OrderBy(c => c.Length).FirstOrDefault()
            : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>Null when <paramref name="value"/> converts to <paramref name="type"/>, else the rule it breaks.</summary>
    private static string? Convert(Type type, string value)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        if (nullable is not null)
        {
            return value.Length == 0 ? null : Convert(nullable, value);
        }

        if (type == typeof(string) || type == typeof(object))
        {
            return null;
        }

        var invariant = CultureInfo.InvariantCulture;
        var ok = type switch
        {
            _ when type == typeof(bool) => bool.TryParse(value, out _),
            _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, invariant, out _),
            _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, invariant, out _),
            _ when type == typeof(short) => short.TryParse(value, NumberStyles.Integer, invariant, out _),
            _ when type == typeof(byte) => byte.TryParse(value, NumberStyles.Integer, invariant, out _),
            _ when type == typeof(uint) => uint.TryParse(value, NumberStyles.Integer, invariant, out _),
            _ when type == typeof(ulong) => ulong.TryParse(value, NumberStyles.Integer, invariant, out _),
            _ when type == typeof(double) => double.TryParse(value, NumberStyles.Float, invariant, out var d) && double.IsFinite(d),
            _ when type == typeof(float) => float.TryParse(value, NumberStyles.Float, invariant, out var f) && float.IsFinite(f),
            _ when type == typeof(decimal) => decimal.TryParse(value, NumberStyles.Number, invariant, out _),
            _ when type == typeof(TimeSpan) => TimeSpan.TryParse(value, invariant, out _),
            _ when type == typeof(Guid) => Guid.TryParse(value, out _),
            _ when type == typeof(Uri) => Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out _),
            _ when type.IsEnum => IsEnumValue(type, value),
            _ => ConvertsWithTypeConverter(type, value),
        };
        return ok ? null : Rule(type);
    }

    private static bool IsEnumValue(Type type, string value)
    {
        var names = Enum.GetNames(type);
        var parts = type.IsDefined(typeof(FlagsAttribute), false) ? value.Split(',', StringSplitOptions.TrimEntries) : [value.Trim()];
        return parts.Length > 0 && parts.All(p => names.Contains(p, StringComparer.OrdinalIgnoreCase));
    }

    private static bool ConvertsWithTypeConverter(Type type, string value)
    {
        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>What a value of <paramref name="type"/> must look like, in the words of the error messages.</summary>
    private static string Rule(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type);
            if (type.IsDefined(typeof(FlagsAttribute), false))
            {
                var none = Enum.GetValues(type).Cast<object>().Where(v => System.Convert.ToInt64(v, CultureInfo.InvariantCulture) == 0).Select(v => v.ToString()).FirstOrDefault();
                var flags = names.Where(n => n != none).ToList();
                return none is null ? $"must be a comma list of {string.Join(", ", flags)}" : $"must be {none} or a comma list of {string.Join(", ", flags)}";
            }

            return names.Length == 1 ? $"must be {names[0]}" : $"must be {string.Join(", ", names[..^1])} or {names[^1]}";
        }

        return type switch
        {
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong)
                => "must be a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "must be a number (such as 2 or 0.5)",
            _ when type == typeof(TimeSpan) => "must be a time span: hh:mm:ss, or d.hh:mm:ss",
            _ when type == typeof(Guid) => "must be a GUID",
            _ when type == typeof(Uri) => "must be a URI",
            _ => $"cannot be read as {type.Name}",
        };
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Guid) || type == typeof(Uri)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || (type != typeof(object) && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)));
    }

    private static (Type Key, Type Value)? DictionaryTypes(Type type)
    {
        foreach (var candidate in type.GetInterfaces().Prepend(type))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() is var d
                && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>) || d == typeof(Dictionary<,>)))
            {
                var args = candidate.GetGenericArguments();
                return (args[0], args[1]);
            }
        }

        return null;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        foreach (var candidate in type.GetInterfaces().Prepend(type))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return null;
    }

    /// <summary>
    /// The keys an options type accepts: public properties with a setter (or init), and read-only properties of a
    /// complex type (the binder fills them in place); the constructor's parameters when there is no parameterless one.
    /// </summary>
    private static Dictionary<string, Type> Members(Type type)
    {
        var members = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0)
            {
                continue;
            }

            if (p.SetMethod is { IsPublic: true }
                || (p.GetMethod is not null && !IsScalar(p.PropertyType) && !p.PropertyType.IsInterface && !p.PropertyType.IsAbstract))
            {
                members[p.Name] = p.PropertyType;
            }
        }

        if (!type.IsValueType && type.GetConstructor(Type.EmptyTypes) is null
            && type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault() is { } constructor)
        {
            foreach (var parameter in constructor.GetParameters())
            {
                members.TryAdd(parameter.Name!, parameter.ParameterType);
            }
        }

        return members;
    }
}
