using System.Text.Json;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Reads JSON values of the expected kind and reports every mismatch at its JSON path instead of throwing:
/// a wrong value yields null and an error, and reading goes on so one pass finds every problem.
/// </summary>
internal sealed class ConfigJsonReader(ConfigDiagnostics diagnostics)
{
    /// <summary>What a user would call the kind of <paramref name="element"/>, for "got ..." in messages.</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The properties of an object, reporting and skipping repeated names (JSON allows them, we do not).</summary>
    public List<(string Name, JsonElement Value, string Path)> Properties(JsonElement element, string path)
    {
        var properties = new List<(string, JsonElement, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var propertyPath = JsonPath.Property(path, property.Name);
            if (!seen.Add(property.Name))
            {
                diagnostics.Error(propertyPath, $"'{property.Name}' is set more than once.");
                continue;
            }

            properties.Add((property.Name, property.Value, propertyPath));
        }

        return properties;
    }

    public Located<string>? ReadString(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            diagnostics.Error(path, $"Expected a string, got {Describe(value)}.");
            return null;
        }

        return new Located<string>(value.GetString()!, path);
    }

    public bool? ReadBool(JsonElement value, string path)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        diagnostics.Error(path, $"Expected true or false, got {Describe(value)}.");
        return null;
    }

    public long? ReadMilliseconds(JsonElement value, string path, bool allowZero)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            diagnostics.Error(path, $"Expected a number of milliseconds, got {Describe(value)}.");
            return null;
        }

        if (!value.TryGetInt64(out var ms))
        {
            diagnostics.Error(path, "Expected a whole number of milliseconds.");
            return null;
        }

        return ServerFieldRules.CheckMilliseconds(ms, path, allowZero, diagnostics);
    }

    /// <summary>A whole number of at least <paramref name="minimum"/> (<c>maxInstances</c>).</summary>
    public int? ReadCount(JsonElement value, string path, int minimum) =>
        ReadWholeNumber(value, path) is { } count ? ServerFieldRules.CheckAtLeast(count, minimum, path, diagnostics) : null;

    /// <summary>A positive number of minutes, fractions allowed (<c>idleTimeoutMinutes</c>).</summary>
    public double? ReadMinutes(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            diagnostics.Error(path, $"Expected a number of minutes, got {Describe(value)}.");
            return null;
        }

        // A number beyond a double (1e400) is too large, or too far below zero, for any timer.
        var minutes = value.TryGetDouble(out var parsed) ? parsed
            : value.GetRawText().StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
        return ServerFieldRules.CheckMinutes(minutes, path, diagnostics);
    }

    public int? ReadCount(JsonElement value, string path) =>
        ReadWholeNumber(value, path) is { } count ? ServerFieldRules.CheckCount(count, path, diagnostics) : null;

    private int? ReadWholeNumber(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            diagnostics.Error(path, $"Expected a whole number, got {Describe(value)}.");
            return null;
        }

        if (!value.TryGetInt32(out var count))
        {
            diagnostics.Error(path, "Expected a whole number.");
            return null;
        }

        return count;
    }

    public List<Located<string>>? ReadStringArray(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            diagnostics.Error(path, $"Expected an array of strings, got {Describe(value)}.");
            return null;
        }

        var items = new List<Located<string>>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (ReadString(item, JsonPath.Index(path, index)) is { } s)
            {
                items.Add(s);
            }

            index++;
        }

        return items;
    }
}
