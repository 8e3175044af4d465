using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace OneMcp.Application.Audit;

/// <summary>
/// The opaque paging cursor of the audit log: the id of the last row of a page, so a page never repeats or skips a
/// row while new ones are written. Opaque so that clients never build one and the key can change.
/// </summary>
public static class AuditCursor
{
    private const string Prefix = "a1:";

    public static string Encode(long lastId) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(Prefix + lastId.ToString(CultureInfo.InvariantCulture)));

    public static bool TryDecode(string? cursor, out long lastId)
    {
        lastId = 0;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64 || !Base64Url.IsValid(cursor))
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
        return text.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out lastId)
            && lastId > 0;
    }
}
