using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// <c>/mcp/&lt;server&gt;</c> with --enable-auth --enable-scope-validation (web [web], db [db]): the token of <c>/mcp</c>
/// serves it, a backend outside the token's grant answers 404, and the 401 points at the metadata of <c>/mcp</c>.
/// </summary>
public sealed class PerServerEndpointAuthTests(StatelessScopeFixture fixture) : IClassFixture<StatelessScopeFixture>
{
    private const string RedirectUri = "http://127.0.0.1:46003/cb";

    private GatewayUnderTest Gateway => fixture.Gateway;

    [Theory]
    [InlineData(ProtocolEras.Stateless)]
    [InlineData(ProtocolEras.Legacy)]
    public async Task AWebToken_ReachesTheWebBackend_UnderOriginalNames(string era)
    {
        var token = await TokenAsync("web");
        await using var client = await ConnectAsync("/mcp/web", token, era);

        client.NegotiatedProtocolVersion.ShouldBe(era);
        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        tools.ShouldContain("echo");
        tools.ShouldAllBe(t => !t.Contains("_1mcp_", StringComparison.Ordinal));
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "granted" });
        echo.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("granted");
    }

    [Fact]
    public async Task AWebToken_GetsA404ForTheDbBackend_InBothEras()
    {
        var token = await TokenAsync("web");

        var (status, message) = await StatelessRequest.SendAsync(Gateway.Url("/mcp/db"), "tools/list", token: token);
        var (initializeStatus, initializeMessage) = await PerServerEndpointTests.InitializeAsync(Gateway.Url("/mcp/db"), token);

        foreach (var (s, m) in new[] { (status, message), (initializeStatus, initializeMessage) })
        {
            s.ShouldBe(HttpStatusCode.NotFound);
            m.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("'db'");
        }

        // The same token, the backend it was granted: served.
        (await StatelessRequest.SendAsync(Gateway.Url("/mcp/web"), "tools/list", token: token)).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TypeScriptClient_PinnedToTheNewRevision_WithAWebToken_ListsAndCallsTheWebBackend()
    {
        var token = await TokenAsync("web");

        var outcome = await NodeClient.ListAndCallAsync(Gateway.Url("/mcp/web"), "echo", "from node", token);

        outcome.ProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        outcome.Tools.ShouldContain("echo");
        outcome.Text.ShouldBe("from node");
    }

    [Fact]
    public async Task WithoutAToken_TheChallengeNamesTheMetadataOfMcp_WhichNamesTheResourceMcp()
    {
        using var http = new HttpClient();

        var perServer = await ChallengeAsync(http, "/mcp/web");
        var whole = await ChallengeAsync(http, "/mcp");

        perServer.ShouldBe(whole);
        var metadataUrl = perServer.Split("resource_metadata=\"")[1].Split('"')[0];
        metadataUrl.ShouldBe(Gateway.Url("/.well-known/oauth-protected-resource/mcp").ToString());
        using var metadata = JsonDocument.Parse(await http.GetStringAsync(metadataUrl));
        metadata.RootElement.GetProperty("resource").GetString().ShouldBe(Gateway.Url("/mcp").ToString());
    }

    private async Task<string> ChallengeAsync(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Gateway.Url(path)) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        return response.Headers.WwwAuthenticate.ToString();
    }

    private Task<string> TokenAsync(string tag) =>
        new OAuthFlowDriver(Gateway.BaseUrl).AccessTokenAsync(RedirectUri, ["tag:" + tag], StatelessScopeFixture.User, StatelessScopeFixture.Password);

    private async Task<McpClient> ConnectAsync(string path, string token, string protocolVersion)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Gateway.Url(path),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = new AuthenticationHeaderValue("Bearer", token).ToString() },
        });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion });
    }
}
