using System.Globalization;

namespace OneMcp.Application.Audit.Queries;

internal static class AuditTime
{
    public static bool TryParse(string? value, out DateTimeOffset time)
    {
        time = default;

        // A time of day and an offset are required: "10:00" alone would mean the server's zone, which the caller cannot
        // know, and a date alone ("2026-12-03", whose day ends in '-03') would be midnight of a zone nobody chose.
        return value is { Length: > 10 }
            && value[10] is 'T' or 't' or ' '
            && (value.EndsWith('Z') || value.EndsWith('z') || value[^6] is '+' or '-')
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    /// <summary>Why <paramref name="value"/> is not a time the audit log takes, for the parameter <paramref name="name"/>.</summary>
    public static string Problem(string name, string? value, string example) =>
        LostItsPlus(value)
            ? $"{name} has a space where its offset's + should be: a URL reads + as a space, so send it as %2B ({example[..^1]}%2B01:00)."
            : $"{name} must be an ISO 8601 time with an offset, e.g. {example}.";

    // "2026-12-03T10:00:00+01:00" put in a query string unencoded arrives as "2026-12-03T10:00:00 01:00".
    private static bool LostItsPlus(string? value) =>
        value is { Length: > 16 } && value[^6] == ' ' && TryParse(value[..^6] + "+" + value[^5..], out _);
}
