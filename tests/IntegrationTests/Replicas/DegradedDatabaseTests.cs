using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Identity;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// A real <c>onemcp serve --enable-auth</c> process on a PostgreSQL cluster of the test's own, which the test stops
/// and starts again: readiness and REST say 503 meanwhile, MCP traffic with tokens validated before keeps working
/// (past the validated-token cache's freshness window), and everything recovers without restarting the gateway.
/// </summary>
public sealed class DegradedDatabaseTests : IDisposable
{
    private const string User = "alice";
    private const string Password = "correct horse battery staple";
    private const string RedirectUri = "https://agent.example.com/oauth/callback";
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task DatabaseStopped_ReadinessAndRestSay503_McpKeepsWorkingWithKnownTokens_AndAllRecoversWithoutARestart()
    {
        await using var cluster = await PostgresServer.StartOwnClusterAsync();
        var config = _directory.WriteConfig(new ConfigBuilder().Add("web", ConfigBuilder.StdioTestServer("web")));
        var environment = new Dictionary<string, string> { ["ONEMCP_ADMIN_USERNAME"] = User, ["ONEMCP_ADMIN_PASSWORD"] = Password };
        await using var gateway = GatewayProcess.Start(
            [.. DurableGateway.ServeArgs(config), "--enable-auth", "--database", cluster.AdminConnectionString], _directory.Path, environment);
        await gateway.WaitForListeningAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        await Eventually.ValueAsync(() => StatusAsync(http, "/health/ready"), s => s == HttpStatusCode.OK, "the gateway to be ready");

        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var known = await driver.AccessTokenAsync(RedirectUri, ["onemcp:admin"], User, Password);
        var neverUsed = await driver.AccessTokenAsync(RedirectUri, ["onemcp:admin"], User, Password);
        var newClient = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        await using var legacy = await ConnectAsync(gateway.McpUrl, known, ProtocolEras.Legacy);
        await using var modern = await ConnectAsync(gateway.McpUrl, known, ProtocolEras.Stateless);
        await Eventually.ValueAsync(() => EchoAsync(legacy, "warm-up"), ok => ok, "the backend to answer");
        (await EchoAsync(modern, "before")).ShouldBeTrue();
        (await GetAsync(http, "/api/audit?limit=1", known)).Status.ShouldBe(HttpStatusCode.OK);

        await cluster.StopAsync();

        // Readiness says why, without saying where the database is; liveness stays.
        var ready = await Eventually.ValueAsync(() => GetAsync(http, "/health/ready", null), r => r.Status == HttpStatusCode.ServiceUnavailable, "/health/ready to say 503");
        ready.Json!["reason"]!.GetValue<string>().ShouldStartWith("database unreachable: ");
        ready.Text.ShouldNotContain("127.0.0.1");
        ready.Text.ShouldNotContain("postgres", Case.Insensitive);
        (await StatusAsync(http, "/health/live")).ShouldBe(HttpStatusCode.OK);

        // The known token keeps working on both eras past the cache's freshness window (each call after it would have
        // asked the store); a REST call answers 503 with Retry-After meanwhile.
        var outage = Stopwatch.StartNew();
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var calls = 0;
        while (outage.Elapsed < ValidatedTokenCache.Lifetime + TimeSpan.FromSeconds(2) && await pace.WaitForNextTickAsync())
        {
            (await EchoAsync(legacy, "legacy " + calls)).ShouldBeTrue($"legacy call {calls} after {outage.Elapsed}");
            (await EchoAsync(modern, "modern " + calls)).ShouldBeTrue($"2026-07-28 call {calls} after {outage.Elapsed}");
            calls++;
        }

        var rest = await GetAsync(http, "/api/audit?limit=1", known);
        rest.Status.ShouldBe(HttpStatusCode.ServiceUnavailable, rest.Text);
        rest.RetryAfter.ShouldNotBeNull().ShouldBeGreaterThan(TimeSpan.Zero);
        rest.Json!["detail"]!.GetValue<string>().ShouldContain("database cannot be reached");
        rest.Text.ShouldNotContain("Exception");

        // A token this gateway never validated cannot be checked now: 503 with a clear message, not 401 (which would
        // send the client to sign in again) nor 500.
        var (status, message) = await StatelessRequest.SendAsync(new Uri(gateway.McpUrl.ToString()), "tools/list", token: neverUsed);
        status.ShouldBe(HttpStatusCode.ServiceUnavailable, message.ToString());
        message.GetProperty("error").GetProperty("message").GetString().ShouldBe("The gateway's database cannot be reached; try again shortly.");

        // Signing in needs the database: the page says so plainly, with no stack and no 500.
        var authorize = driver.BuildAuthorizeUri(newClient, RedirectUri, ["onemcp:admin"], "state", Pkce.Create());
        using (var page = await http.GetAsync(authorize))
        {
            var html = await page.Content.ReadAsStringAsync();
            page.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, html);
            html.ShouldContain("database cannot be reached");
            html.ShouldNotContain("Exception");
        }

        // An OAuth client renewing its token (the gateway must look the client up) reads the OAuth error, not a page.
        using (var renewal = await http.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = "refresh-token-of-a-client",
            ["client_id"] = "client-" + Guid.NewGuid().ToString("N"),
        })))
        {
            var text = await renewal.Content.ReadAsStringAsync();
            renewal.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, text);
            renewal.Content.Headers.ContentType?.MediaType.ShouldBe("application/json", text);
            JsonNode.Parse(text)!["error"]!.GetValue<string>().ShouldBe("temporarily_unavailable");
        }

        await cluster.RestartAsync();

        await Eventually.ValueAsync(() => StatusAsync(http, "/health/ready"), s => s == HttpStatusCode.OK, "/health/ready to say 200 again");
        await Eventually.ValueAsync(() => GetAsync(http, "/api/audit?limit=1", known), r => r.Status == HttpStatusCode.OK, "REST to answer again");
        var afterwards = await StatelessRequest.SendAsync(new Uri(gateway.McpUrl.ToString()), "tools/list", token: neverUsed);
        afterwards.Status.ShouldBe(HttpStatusCode.OK, $"{afterwards.Message}\n{gateway.Describe()}");
        (await EchoAsync(legacy, "after")).ShouldBeTrue();
        gateway.HasExited.ShouldBeFalse();
    }

    private static async Task<bool> EchoAsync(McpClient client, string message)
    {
        var result = await client.CallToolAsync("web_1mcp_echo", new Dictionary<string, object?> { ["message"] = message });
        return result.IsError != true && result.Content.OfType<TextContentBlock>().Single().Text == message;
    }

    private static async Task<McpClient> ConnectAsync(Uri endpoint, string token, string protocolVersion)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = new AuthenticationHeaderValue("Bearer", token).ToString() },
        });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion });
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }

    private static async Task<Answer> GetAsync(HttpClient http, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true && text.Length > 0)
        {
            json = JsonNode.Parse(text);
        }

        return new Answer(response.StatusCode, text, json, response.Headers.RetryAfter?.Delta);
    }

    private sealed record Answer(HttpStatusCode Status, string Text, JsonNode? Json, TimeSpan? RetryAfter);
}
