using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace OneMcp.Application.Audit;

/// <summary>
/// The opaque paging cursor of the audit log: the id of the last row of a page, so a page never repeats or skips a
/// row while new ones are written. Opaque so that clients never build one and the key can change.
/// </summary>
/// <remarks>
/// One exception: with several replicas on PostgreSQL, ids are handed out when rows are inserted and become visible
/// when their batch commits, so a batch that commits after a later one (within the time a batch takes to write) may
/// hold ids below a page a client has already passed. A client that walks the log while it is written, to export it,
/// walks it again over the last seconds, or filters by time instead.
/// </remarks>
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
