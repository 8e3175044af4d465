using System.Diagnostics;
using System.Net;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class TraceContextHandlerTests
{
    [Fact]
    public async Task Send_WhileASpanIsCurrent_CarriesThatSpanAsTheParent()
    {
        var seen = new Recorder();
        using var client = new HttpClient(new TraceContextHandler { InnerHandler = seen });
        using var span = new Activity("backend tools/call").SetIdFormat(ActivityIdFormat.W3C).Start();
        span.TraceStateString = "vendor=1";

        await client.GetAsync("http://127.0.0.1/mcp");

        seen.Header("traceparent").ShouldBe(span.Id);
        seen.Header("tracestate").ShouldBe("vendor=1");
    }

    [Fact]
    public async Task Send_WithNoSpan_AddsNoTraceContext()
    {
        var seen = new Recorder();
        using var client = new HttpClient(new TraceContextHandler { InnerHandler = seen });
        Activity.Current = null;

        await client.GetAsync("http://127.0.0.1/mcp");

        seen.Header("traceparent").ShouldBeNull();
    }

    [Fact]
    public async Task Send_WhenTheRequestCarriesATraceparent_LeavesIt()
    {
        var seen = new Recorder();
        using var client = new HttpClient(new TraceContextHandler { InnerHandler = seen });
        using var span = new Activity("backend tools/call").SetIdFormat(ActivityIdFormat.W3C).Start();
        const string Configured = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/mcp");
        request.Headers.TryAddWithoutValidation("traceparent", Configured);

        await client.SendAsync(request);

        seen.Header("traceparent").ShouldBe(Configured);
    }

    private sealed class Recorder : HttpMessageHandler
    {
        private HttpRequestMessage? _last;

        public string? Header(string name) =>
            _last!.Headers.TryGetValues(name, out var values) ? values.ShouldHaveSingleItem() : null;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _last = request;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
