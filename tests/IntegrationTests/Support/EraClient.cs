using System.Net.Http.Headers;
using System.Text;
using ModelContextProtocol.Client;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// The C# SDK client of a gateway's <c>/mcp</c> in one protocol era (<see cref="ProtocolEras"/>) with a bearer token
/// and a filter, for tables that run once per era: <see cref="ProtocolEras.Legacy"/> is an <c>initialize</c> session,
/// <see cref="ProtocolEras.Stateless"/> the SDK's default 2026-07-28 mode, where every request stands alone.
/// </summary>
internal static class EraClient
{
    /// <summary>Both eras, the session one first.</summary>
    public static readonly string[] Eras = [ProtocolEras.Legacy, ProtocolEras.Stateless];

    /// <summary>Every row of a table once per era: the era is appended as the row's last argument.</summary>
    public static IEnumerable<object[]> ForBothEras(IEnumerable<object[]> rows) =>
        rows.SelectMany(row => Eras.Select(era => (object[])[.. row, era]));

    /// <summary>A client in <paramref name="era"/>; the caller disposes it.</summary>
    public static Task<McpClient> ConnectAsync(GatewayUnderTest gateway, string era, string token, string query = "", McpClientHandlers? handlers = null) =>
        ConnectAsync(gateway, era, () => token, query, handlers);

    /// <summary>A client in <paramref name="era"/> that puts the current <paramref name="token"/> on every request, as a client does after renewing it.</summary>
    public static async Task<McpClient> ConnectAsync(GatewayUnderTest gateway, string era, Func<string> token, string query = "", McpClientHandlers? handlers = null)
    {
        var handler = new BearerHandler(token) { InnerHandler = new HttpClientHandler() };
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = gateway.Url("/mcp" + query) }, new HttpClient(handler), ownsHttpClient: true);
        var client = await McpClient.CreateAsync(transport, new McpClientOptions { Handlers = handlers ?? new McpClientHandlers(), ProtocolVersion = era });
        client.NegotiatedProtocolVersion.ShouldBe(era);
        if (era == ProtocolEras.Stateless)
        {
            client.SessionId.ShouldBeNull("a 2026-07-28 client has no session");
        }
        else
        {
            client.SessionId.ShouldNotBeNullOrEmpty();
        }

        return client;
    }

    /// <summary>
    /// The first request a client of <paramref name="era"/> sends, written by hand so that a refusal's status and
    /// headers can be read: <c>initialize</c> for a session, a self-contained <c>tools/list</c> for 2026-07-28.
    /// </summary>
    public static async Task<HttpResponseMessage> FirstRequestAsync(GatewayUnderTest gateway, string era, string token, string query)
    {
        var body = era == ProtocolEras.Stateless
            ? """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}"""
            : """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Url("/mcp" + query))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (era == ProtocolEras.Stateless)
        {
            request.Headers.Add("MCP-Protocol-Version", ProtocolEras.Stateless);
            request.Headers.Add("Mcp-Method", "tools/list");
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private sealed class BearerHandler(Func<string> token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
            return base.SendAsync(request, cancellationToken);
        }
    }
}
