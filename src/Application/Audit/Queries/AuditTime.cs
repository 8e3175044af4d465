using System.Globalization;

namespace OneMcp.Application.Audit.Queries;

internal static class AuditTime
{
    public static bool TryParse(string? value, out DateTimeOffset time)
    {
        time = default;

        // An offset is required: "10:00" alone would mean the server's zone, which the caller cannot know.
        return value is not null
            && (value.EndsWith('Z') || value.EndsWith('z') || (value.Length > 6 && value[^6] is '+' or '-'))
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}
