using System.Collections.Frozen;
using System.Globalization;
using OneMcp.Infrastructure.Audit;

namespace OneMcp.Infrastructure.Settings;

/// <summary>
/// What each option of <c>onemcp</c> means, read from its help text: one line per option,
/// <c>--name &lt;value&gt;: text</c>, <c>#</c> comments and blank lines skipped, the defaults filled in from
/// <see cref="ServeOptions"/> (<c>{DefaultPort}</c>, <c>{DefaultHost}</c>, <c>{DefaultSessionTtlMinutes}</c>,
/// <c>{DefaultAuditRetentionDays}</c>).
/// </summary>
public static class SettingDescriptions
{
    public static FrozenDictionary<string, (string? ValueName, string Text)> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var options = new Dictionary<string, (string?, string)>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var head = line[..colon].Split(' ', 2);
            options[head[0]] = (head.Length > 1 ? head[1].Trim('<', '>') : null, Fill(line[(colon + 2)..]));
        }

        return options.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string Fill(string text) => text
        .Replace("{DefaultPort}", ServeOptions.DefaultPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{DefaultHost}", ServeOptions.DefaultHost, StringComparison.Ordinal)
        .Replace("{DefaultSessionTtlMinutes}", ((int)ServeOptions.DefaultSessionTtl.TotalMinutes).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{DefaultAuditRetentionDays}", AuditOptions.DefaultRetentionDays.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
