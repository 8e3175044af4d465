using System.Globalization;
using System.Text;
using MediatR;
using OneMcp.Application.Audit;
using OneMcp.Application.Audit.Queries;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Endpoints;

/// <summary>The audit log: a filtered, paged list (JSON or CSV), a CSV export of all of it, and the last hour's activity per backend.</summary>
internal static class AuditEndpoints
{
    public const string CsvMediaType = "text/csv";
    public const string NextCursorHeader = "X-Next-Cursor";

    public static void MapAudit(this RouteGroupBuilder api)
    {
        // Admins (and everyone with auth off) see every row; a member only their own. Under scope validation a token reads
        // no row of a backend its grant does not reach.
        api.MapGet("/audit", async (HttpContext context, IMediator mediator, CancellationToken ct,
                string? user, string? backend, string? kind, string? outcome, string? since, string? until, string? limit, string? cursor, string? format) =>
            {
                format = QueryParameter.OrNull(format);
                if (format is not null and not ("json" or "csv"))
                {
                    return Results.ValidationProblem(
                        new Dictionary<string, string[]> { ["format"] = ["format must be json or csv."] },
                        title: "The request is invalid.", detail: "See 'errors' for each invalid field.");
                }

                var query = new ListAuditQuery(
                    QueryParameter.OrNull(user), QueryParameter.OrNull(backend), QueryParameter.OrNull(kind), QueryParameter.OrNull(outcome),
                    QueryParameter.OrNull(since), QueryParameter.OrNull(until), QueryParameter.OrNull(limit), QueryParameter.OrNull(cursor),
                    ApiCaller.OwnOnly(context), ReachedBackends(context));
                context.Response.Headers.CacheControl = "no-store";
                if (WantsCsv(context, format) && query is { Limit: null, Cursor: null })
                {
                    await ExportCsvAsync(context, mediator, query, ct);
                    return Results.Empty;
                }

                var page = await mediator.Send(query, ct);
                if (page.NextCursor is { } next)
                {
                    // CSV has no place for it in the body; JSON clients may use either.
                    context.Response.Headers[NextCursorHeader] = next;
                }

                return WantsCsv(context, format) ? Results.Text(AuditCsv.Write(page), CsvMediaType + "; charset=utf-8", Encoding.UTF8) : Results.Ok(page);
            })
            .WithTags("Audit").WithName("ListAudit")
            .Produces<AuditPage>().Produces<string>(StatusCodes.Status200OK, CsvMediaType);

        api.MapGet("/audit/summary", async (HttpContext context, IMediator mediator, CancellationToken ct) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return await mediator.Send(new GetAuditSummaryQuery(ApiCaller.OwnOnly(context), ReachedBackends(context)), ct);
            })
            .WithTags("Audit").WithName("GetAuditSummary");
    }

    /// <summary>
    /// A CSV without a <c>limit</c> or <c>cursor</c> is an export: every matching row, newest first, written a page of
    /// <see cref="ListAuditQuery.MaxLimit"/> rows at a time, so that neither side holds the whole log. The first page is
    /// read before anything is written, so a bad parameter still gets its 400; a later page that cannot be read ends
    /// the response unfinished (the connection is reset), never as a shorter file that looks complete.
    /// </summary>
    private static async Task ExportCsvAsync(HttpContext context, IMediator mediator, ListAuditQuery query, CancellationToken ct)
    {
        var pageSize = query with { Limit = ListAuditQuery.MaxLimit.ToString(CultureInfo.InvariantCulture) };
        var page = await mediator.Send(pageSize, ct);
        context.Response.ContentType = CsvMediaType + "; charset=utf-8";
        await context.Response.WriteAsync(AuditCsv.Header, ct);
        while (true)
        {
            await context.Response.WriteAsync(AuditCsv.Rows(page.Items), ct);
            if (page.NextCursor is not { } next)
            {
                return;
            }

            page = await mediator.Send(pageSize with { Cursor = next }, ct);
        }
    }

    /// <summary>
    /// The backends whose rows a token under scope validation reads: those its grant reaches now, as the list of backends
    /// shows them (the others do not exist for it, DESIGN §5), whoever made the calls; null (every backend) otherwise.
    /// </summary>
    private static HashSet<string>? ReachedBackends(HttpContext context) =>
        ScopeGrants.For(context) is { } grant
            ? context.RequestServices.GetRequiredService<Application.Backends.IBackendPool>().Backends
                .Where(b => grant.Reaches(b.Settings.Tags)).Select(b => b.Name.Value).ToHashSet(StringComparer.Ordinal)
            : null;

    private static bool WantsCsv(HttpContext context, string? format) =>
        format == "csv" || (format is null && context.Request.GetTypedHeaders().Accept
            .Any(a => a.MediaType.Equals(CsvMediaType, StringComparison.OrdinalIgnoreCase)));
}
