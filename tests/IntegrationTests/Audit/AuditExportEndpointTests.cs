using System.Data.Common;
using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Api.Endpoints;
using OneMcp.Application.Audit;
using OneMcp.Application.Audit.Queries;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Audit;

/// <summary>
/// <c>GET /api/audit</c> as a CSV export (no <c>limit</c>, no <c>cursor</c>), run in process on the endpoint with a
/// mediator that serves the log in pages: the export holds every page, not only the first.
/// </summary>
public sealed class AuditExportEndpointTests
{
    [Fact]
    public async Task ExportCsv_WhenTheLogSpansSeveralPages_WritesEveryRowOnce_AskingPageAfterPage()
    {
        var log = new PagedLog(pages: 3);

        var response = await ExportAsync(log, "?format=csv&backend=alpha");

        response.StatusCode.ShouldBe(StatusCodes.Status200OK);
        response.ContentType.ShouldBe("text/csv; charset=utf-8");
        var lines = (await new StreamReader(response.Body).ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe(AuditCsv.Header.TrimEnd());
        lines.Skip(1).Select(l => long.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(log.AllIds);
        response.Headers.ContainsKey(AuditEndpoints.NextCursorHeader).ShouldBeFalse();

        // The largest page each time, the filter kept, each page after the one before.
        log.Asked.Select(q => q.Limit).ShouldAllBe(l => l == ListAuditQuery.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        log.Asked.ShouldAllBe(q => q.Backend == "alpha");
        log.Asked.Select(q => q.Cursor).ShouldBe([null, AuditCursor.Encode(log.LastIdOfPage(0)), AuditCursor.Encode(log.LastIdOfPage(1))]);
    }

    [Fact]
    public async Task ListAudit_WhenCsvNamesALimit_AnswersThatPageWithTheNextCursor()
    {
        var log = new PagedLog(pages: 3);

        var response = await ExportAsync(log, "?format=csv&limit=1000");

        var lines = (await new StreamReader(response.Body).ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1 + PagedLog.PageSize);
        response.Headers[AuditEndpoints.NextCursorHeader].ToString().ShouldBe(AuditCursor.Encode(log.LastIdOfPage(0)));
        log.Asked.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ExportCsv_WhenALaterPageCannotBeRead_FailsTheResponse_RatherThanEndingItAsIfComplete()
    {
        var log = new PagedLog(pages: 3) { FailOnPage = 1 };

        await Should.ThrowAsync<DbException>(() => ExportAsync(log, "?format=csv"));
        log.Asked.Count.ShouldBe(2);
    }

    private static Task<HttpResponse> ExportAsync(IMediator mediator, string query) =>
        InProcessEndpoint.InvokeAsync(
            services => services.AddSingleton(mediator),
            app => app.MapGroup("/api").MapAudit(),
            "/api/audit",
            request =>
            {
                request.Method = HttpMethods.Get;
                request.Path = "/api/audit";
                request.QueryString = new QueryString(query);
            });

    /// <summary>A log of <c>pages</c> full pages, newest (highest id) first, served by cursor as the handler serves it.</summary>
    private sealed class PagedLog(int pages) : StandInMediator
    {
        public const int PageSize = ListAuditQuery.MaxLimit;

        public List<ListAuditQuery> Asked { get; } = [];

        public int? FailOnPage { get; init; }

        public IReadOnlyList<long> AllIds { get; } = [.. Enumerable.Range(1, pages * PageSize).Select(i => (long)(pages * PageSize) - i + 1)];

        public long LastIdOfPage(int page) => AllIds[((page + 1) * PageSize) - 1];

        protected override Task<TResponse>? Answer<TResponse>(IRequest<TResponse> request)
        {
            if (request is not ListAuditQuery query)
            {
                return null;
            }

            Asked.Add(query);
            var index = query.Cursor is null ? 0 : AllIds.ToList().IndexOf(AuditCursor.TryDecode(query.Cursor, out var before) ? before : -1) + 1;
            if (FailOnPage == index / PageSize)
            {
                throw new StoreUnavailable();
            }

            var limit = int.Parse(query.Limit!, System.Globalization.CultureInfo.InvariantCulture);
            var items = AllIds.Skip(index).Take(limit)
                .Select(id => new AuditItem(id, DateTimeOffset.UnixEpoch.AddSeconds(id), AuditKinds.ToolCall, AuditOutcomes.Success, "bob", "s-bob", null, "alpha", "echo", 1, null))
                .ToList();
            var next = index + limit < AllIds.Count ? AuditCursor.Encode(items[^1].Id) : null;
            return Task.FromResult((TResponse)(object)new AuditPage(items, next));
        }
    }

    private sealed class StoreUnavailable() : DbException("the database went away");
}
