using System.Net;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class McpNameHeaderHandlerTests
{
    [Theory]
    [InlineData("echo", "echo")]
    [InlineData("test://items/a b", "test://items/a b")]
    [InlineData("ask_naïve", "=?base64?YXNrX25hw692ZQ==?=")]
    [InlineData("trailing ", "=?base64?dHJhaWxpbmcg?=")]
    [InlineData("=?base64?ZWNobw==?=", "=?base64?PT9iYXNlNjQ/WldOb2J3PT0/PQ==?=")]
    public async Task Send_CarriesTheNameAsSep2243EncodesIt(string name, string sent)
    {
        var seen = new Recorder();
        using var client = new HttpClient(new McpNameHeaderHandler { InnerHandler = seen });
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/mcp");
        // As the SDK client adds it (validated, raw); the gateway's own calls add it without validation.
        request.Headers.Add("Mcp-Name", name);

        await client.SendAsync(request);

        seen.Name.ShouldBe(sent);
    }

    [Fact]
    public async Task Send_WithoutTheHeader_AddsNone()
    {
        var seen = new Recorder();
        using var client = new HttpClient(new McpNameHeaderHandler { InnerHandler = seen });

        await client.PostAsync("http://127.0.0.1/mcp", new StringContent("{}"));

        seen.Name.ShouldBeNull();
    }

    private sealed class Recorder : HttpMessageHandler
    {
        public string? Name { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Name = request.Headers.NonValidated.TryGetValues("Mcp-Name", out var values) ? values.ToString() : null;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
