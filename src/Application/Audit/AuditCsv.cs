using System.Buffers;
using System.Globalization;
using System.Text;
using OneMcp.Application.Audit.Queries;

namespace OneMcp.Application.Audit;

/// <summary>A page of the audit log as CSV, for spreadsheets and scripts.</summary>
public static class AuditCsv
{
    /// <summary>The header line, CRLF included. New columns go last: scripts read the others by position.</summary>
    public const string Header = "id,time,kind,outcome,user,subject,clientId,backend,name,durationMs,errorCode,credentials,target\r\n";

    private static readonly SearchValues<char> NumberCharacters = SearchValues.Create("0123456789.");

    /// <summary>RFC 4180: text fields quoted, quotes doubled, CRLF line ends; one header line.</summary>
    public static string Write(AuditPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return AppendRows(new StringBuilder(Header), page.Items).ToString();
    }

    /// <summary>The lines of <paramref name="items"/>, without the header (an export written a page at a time).</summary>
    public static string Rows(IEnumerable<AuditItem> items) => AppendRows(new StringBuilder(), items).ToString();

    private static StringBuilder AppendRows(StringBuilder csv, IEnumerable<AuditItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            csv.Append(item.Id.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Field(item.Time.ToString("O", CultureInfo.InvariantCulture))).Append(',')
                .Append(Field(item.Kind)).Append(',')
                .Append(Field(item.Outcome)).Append(',')
                .Append(Field(item.User)).Append(',')
                .Append(Field(item.Subject)).Append(',')
                .Append(Field(item.ClientId)).Append(',')
                .Append(Field(item.Backend)).Append(',')
                .Append(Field(item.Name)).Append(',')
                .Append(item.DurationMs.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Field(item.ErrorCode)).Append(',')
                .Append(Field(item.Credentials)).Append(',')
                .Append(Field(item.Target)).Append("\r\n");
        }

        return csv;
    }

    // A leading =, +, - or @ would make a spreadsheet run the cell as a formula: such values get a leading quote. A
    // plain number (a failed call's error code, -32602) is no formula, and keeps its value for spreadsheets and scripts.
    private static string Field(string? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !IsPlainNumber(value) ? "'" + value : value;
        return "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    // A sign, digits, and at most one decimal point between digits: "-32602", "+7", "-1.5".
    private static bool IsPlainNumber(string value)
    {
        var digits = value.AsSpan(1);
        var point = digits.IndexOf('.');
        return value[0] is '+' or '-'
            && digits.Length > 0
            && point != 0 && point != digits.Length - 1
            && !digits.ContainsAnyExcept(NumberCharacters)
            && digits.Count('.') <= 1;
    }
}
