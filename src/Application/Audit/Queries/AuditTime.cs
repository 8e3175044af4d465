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
}
