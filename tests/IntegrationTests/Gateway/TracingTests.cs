using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Diagnostics;
using OneMcp.Infrastructure.Diagnostics;
using OneMcp.IntegrationTests.Support;
using OpenTelemetry.Trace;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Traces (DESIGN §9): a tools/call is one gateway span with a backend child span, in the client's trace, and the
/// trace context reaches the backend: as the <c>traceparent</c> header of an HTTP backend and in <c>_meta</c> of any.
/// The spans are caught with the in-memory exporter on the gateway's own instrumentation.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task ToolsCall_WithAClientTrace_ExportsAGatewaySpanWithABackendChildAndTheTraceReachesBothBackends()
    {
        await using var web = await HttpTestServer.StartAsync("web");
        var spans = new List<Activity>();
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("web", ConfigBuilder.HttpServer(web.McpUrl)).Add("local", ConfigBuilder.StdioTestServer("local")),
            configureBuilder: b => b.Services.AddOpenTelemetry().WithTracing(t => t.AddGatewayInstrumentation(OneMcp.Api.Http.JsonRpcErrors.IsMcpPath).AddInMemoryExporter(spans)));
        var client = await gateway.ConnectAsync();

        // The client's own, sampled trace: its HTTP requests carry it as the traceparent header.
        using var root = new Activity("test client").SetIdFormat(ActivityIdFormat.W3C).Start();
        root.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        var traceId = root.TraceId;
        var viaHttp = Report(await client.CallToolAsync("web_1mcp_trace"));
        var viaStdio = Report(await client.CallToolAsync("local_1mcp_trace"));
        root.Stop();

        TraceIdOf(viaHttp.GetProperty("traceparent").GetString()).ShouldBe(traceId.ToHexString(), viaHttp.ToString());
        viaHttp.GetProperty("meta").ValueKind.ShouldBe(JsonValueKind.Object, viaHttp.ToString());
        TraceIdOf(viaHttp.GetProperty("meta").GetProperty("traceparent").GetString()).ShouldBe(traceId.ToHexString());
        viaStdio.GetProperty("traceparent").ValueKind.ShouldBe(JsonValueKind.Null);
        TraceIdOf(viaStdio.GetProperty("meta").GetProperty("traceparent").GetString()).ShouldBe(traceId.ToHexString());

        Activity[] ours;
        lock (spans)
        {
            ours = [.. spans.Where(s => s.TraceId == traceId && s.Source.Name == GatewayTelemetry.Name)];
        }

        var request = ours.Where(s => s.OperationName == "tools/call trace" && (string?)s.GetTagItem("onemcp.backend") == "web").ShouldHaveSingleItem();
        request.GetTagItem("mcp.method.name").ShouldBe("tools/call");
        request.GetTagItem("onemcp.outcome").ShouldBe("ok");
        // The gateway's span is the server span of the call, a child of the client's; ASP.NET Core records none of its own there.
        request.Kind.ShouldBe(ActivityKind.Server);
        request.HasRemoteParent.ShouldBeTrue("the parent is the client's span from the traceparent header");
        lock (spans)
        {
            spans.ShouldNotContain(s => s.TraceId == traceId && s.Source.Name == "Microsoft.AspNetCore");
        }

        var backendCall = ours.Where(s => s.ParentSpanId == request.SpanId).ShouldHaveSingleItem();
        backendCall.Kind.ShouldBe(ActivityKind.Client);
        backendCall.GetTagItem("onemcp.backend").ShouldBe("web");

        // The backend continues the trace under the exported backend span, over HTTP as in _meta: a parent that was
        // never exported would leave the backend's own spans hanging off nothing.
        SpanIdOf(viaHttp.GetProperty("traceparent").GetString()).ShouldBe(backendCall.SpanId.ToHexString(), viaHttp.ToString());
        SpanIdOf(viaHttp.GetProperty("meta").GetProperty("traceparent").GetString()).ShouldBe(backendCall.SpanId.ToHexString());

        // Never the arguments.
        ours.SelectMany(s => s.TagObjects).Select(t => t.Key).ShouldNotContain(k => k.Contains("argument", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ToolsCall_WithATraceparentInMeta_ContinuesThatTraceAtTheBackend()
    {
        var spans = new List<Activity>();
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("local", ConfigBuilder.StdioTestServer("local")),
            configureBuilder: b => b.Services.AddOpenTelemetry().WithTracing(t => t.AddGatewayInstrumentation(OneMcp.Api.Http.JsonRpcErrors.IsMcpPath).AddInMemoryExporter(spans)));
        // A raw session: an SDK client would write its own trace context into _meta.
        using var session = await RawMcpSession.OpenAsync(gateway.Url("/mcp"));
        var traceId = ActivityTraceId.CreateRandom();
        var parent = $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";

        var messages = await session.RequestAsync("tools/call", new JsonObject
        {
            ["name"] = "local_1mcp_trace",
            ["_meta"] = new JsonObject { ["traceparent"] = parent },
        });
        var text = messages[^1]["result"]!["content"]![0]!["text"]!.GetValue<string>();
        var report = JsonDocument.Parse(text).RootElement;

        TraceIdOf(report.GetProperty("meta").GetProperty("traceparent").GetString()).ShouldBe(traceId.ToHexString());
        lock (spans)
        {
            spans.ShouldContain(s => s.Source.Name == GatewayTelemetry.Name && s.TraceId == traceId && s.OperationName == "tools/call trace");
        }
    }

    [Fact]
    public async Task OtherHttpRequests_KeepASpanWithTheHttpTags_AndNoQueryString()
    {
        var spans = new List<Activity>();
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder(),
            configureBuilder: b => b.Services.AddOpenTelemetry().WithTracing(t => t.AddGatewayInstrumentation(OneMcp.Api.Http.JsonRpcErrors.IsMcpPath).AddInMemoryExporter(spans)));
        using var http = new HttpClient();

        // A query string can carry an OAuth callback's code: it never reaches a span.
        (await http.GetAsync(gateway.Url("/health?code=never-in-a-span"))).EnsureSuccessStatusCode();

        // The server ends its span after the response has left. (ASP.NET Core's activity source is the process's: the
        // exporter also sees the requests of other tests' gateways, so only this gateway's port counts.)
        var port = gateway.Url("/").Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Activity[] requests = [];
        await Eventually.TrueAsync(() =>
        {
            lock (spans)
            {
                requests = [.. spans.Where(s => s.Source.Name == "Microsoft.AspNetCore" && Convert.ToString(s.GetTagItem("server.port"), System.Globalization.CultureInfo.InvariantCulture) == port)];
            }

            return requests.Length > 0;
        }, "the request's span is exported");
        var request = requests.ShouldHaveSingleItem();
        request.Kind.ShouldBe(ActivityKind.Server);
        request.GetTagItem("http.request.method").ShouldBe("GET");
        request.GetTagItem("url.path").ShouldBe("/health");
        ((string?)request.GetTagItem("http.route")).ShouldStartWith("/health");
        request.GetTagItem("http.response.status_code").ShouldBe(200);
        request.TagObjects.ShouldNotContain(t => (t.Value as string ?? "").Contains("never-in-a-span", StringComparison.Ordinal));
    }

    private static JsonElement Report(CallToolResult result) => JsonDocument.Parse(AggregationTests.Text(result)).RootElement.Clone();

    private static string? TraceIdOf(string? traceparent) => traceparent?.Split('-')[1];

    private static string? SpanIdOf(string? traceparent) => traceparent?.Split('-')[2];
}
