using System.Globalization;
using System.Text;
using MediatR;
using OneMcp.Application.Audit.Queries;

namespace OneMcp.Api.Endpoints;

/// <summary>The audit log: a filtered, paged list (JSON or CSV) and the last hour's activity per backend.</summary>
internal static class AuditEndpoints
{
    public const string CsvMediaType = "text/csv";
    public const string NextCursorHeader = "X-Next-Cursor";

    public static void MapAudit(this RouteGroupBuilder api)
    {
        // Admins (and everyone with auth off) see every row; a member only their own.
        api.MapGet("/audit", async (HttpContext context, IMediator mediator, CancellationToken ct,
                string? user, string? backend, string? kind, string? outcome, string? since, string? until, string? limit, string? cursor, string? format) =>
            {
                if (format is not null and not ("json" or "csv"))
                {
                    return Results.ValidationProblem(
                        new Dictionary<string, string[]> { ["format"] = ["format must be json or csv."] },
                        title: "The request is invalid.", detail: "See 'errors' for each invalid field.");
                }

                var page = await mediator.Send(
                    new ListAuditQuery(user, backend, kind, outcome, since, until, limit, cursor, OwnOnly(context)), ct);
                context.Response.Headers.CacheControl = "no-store";
                if (page.NextCursor is { } next)
                {
                    // CSV has no place for it in the body; JSON clients may use either.
                    context.Response.Headers[NextCursorHeader] = next;
                }

                return WantsCsv(context, format) ? Results.Text(ToCsv(page), CsvMediaType + "; charset=utf-8", Encoding.UTF8) : Results.Ok(page);
            })
            .WithTags("Audit").WithName("ListAudit")
            .Produces<AuditPage>().Produces<string>(StatusCodes.Status200OK, CsvMediaType);

        api.MapGet("/audit/summary", async (HttpContext context, IMediator mediator, CancellationToken ct) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return await mediator.Send(new GetAuditSummaryQuery(OwnOnly(context)), ct);
            })
            .WithTags("Audit").WithName("GetAuditSummary");
    }

    // A signed-in member without a subject cannot happen; were it to, they would see nothing rather than everything.
    private static string? OwnOnly(HttpContext context) =>
        ApiCaller.IsAdmin(context) ? null : ApiCaller.Subject(context) ?? string.Empty;

    private static bool WantsCsv(HttpContext context, string? format) =>
        format == "csv" || (format is null && context.Request.GetTypedHeaders().Accept
            .Any(a => a.MediaType.Equals(CsvMediaType, StringComparison.OrdinalIgnoreCase)));

    /// <summary>RFC 4180: text fields quoted, quotes doubled, CRLF line ends; one header line.</summary>
    internal static string ToCsv(AuditPage page)
    {
        var csv = new StringBuilder("id,time,kind,outcome,user,subject,clientId,backend,name,durationMs,errorCode\r\n");
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
                .Append(Field(item.ErrorCode)).Append("\r\n");
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
