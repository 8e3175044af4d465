using System.Globalization;
using System.Text;
using OneMcp.Application.Audit.Queries;

namespace OneMcp.Application.Audit;

/// <summary>A page of the audit log as CSV, for spreadsheets and scripts.</summary>
public static class AuditCsv
{
    /// <summary>RFC 4180: text fields quoted, quotes doubled, CRLF line ends; one header line.</summary>
    public static string Write(AuditPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var csv = new StringBuilder("id,time,kind,outcome,user,subject,clientId,backend,name,durationMs,errorCode,credentials\r\n");
        foreach (var item in page.Items)
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
                .Append(Field(item.Credentials)).Append("\r\n");
        }

        return csv.ToString();
    }

    // A leading =, +, - or @ would make a spreadsheet run the cell as a formula: such values get a leading quote.
    private static string Field(string? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
        return "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
