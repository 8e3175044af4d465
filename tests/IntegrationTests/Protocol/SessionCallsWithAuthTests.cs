using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// With <c>--enable-auth</c>, the gateway answers a call in a session itself (ADR 0038) only for the user who opened
/// the session; anyone else's request naming the session goes to the SDK, which refuses it as an unknown session.
/// </summary>
public sealed class SessionCallsWithAuthTests(SessionCallsWithAuthTests.Fixture fixture) : IClassFixture<SessionCallsWithAuthTests.Fixture>
{
    private const string RedirectUri = "http://127.0.0.1:46005/cb";
    private const string ProbeHeader = "X-Test-Probe";
    private const string Call = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"mine"}}}""";

    [Fact]
    public async Task TheOwnersCall_IsAnsweredByTheGateway_AndAnotherUsersCallInTheSession_IsRefused()
    {
        await fixture.Gateway.AddUserAsync("session-owner", "a long owner password", "member");
        await fixture.Gateway.AddUserAsync("session-intruder", "a long intruder password", "member");
        using var owner = Client(await TokenAsync("session-owner", "a long owner password"));
        using var intruder = Client(await TokenAsync("session-intruder", "a long intruder password"));
        var url = fixture.Gateway.Url("/mcp").ToString();
        using var opened = await RawMcpSession.Post(owner, url, null, RawMcpSession.Initialize());
        opened.EnsureSuccessStatusCode();
        var sessionId = opened.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await RawMcpSession.Post(owner, url, sessionId, new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });

        var (ownersStatus, ownersMessages, servedBySdk) = await SendAsync(owner, url, sessionId);
        var (intrudersStatus, _, _) = await SendAsync(intruder, url, sessionId);

        ownersStatus.ShouldBe(HttpStatusCode.OK);
        ownersMessages.ShouldHaveSingleItem()["result"]!["content"]![0]!["text"]!.GetValue<string>().ShouldBe("mine");
        servedBySdk.ShouldBeFalse("the session's own user is answered by the gateway, without the SDK's server");
        intrudersStatus.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<string> TokenAsync(string user, string password) =>
        await new OAuthFlowDriver(fixture.Gateway.BaseUrl).AccessTokenAsync(RedirectUri, ["tag:web"], user, password);

    private static HttpClient Client(string token)
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private async Task<(HttpStatusCode Status, IReadOnlyList<JsonObject> Messages, bool ServedBySdk)> SendAsync(HttpClient http, string url, string sessionId)
    {
        var probe = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Call, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Add(ProbeHeader, probe);
        using var response = await http.SendAsync(request);
        var messages = response.IsSuccessStatusCode ? await RawMcpSession.ReadMessagesAsync(response) : [];
        return (response.StatusCode, messages, fixture.Probe.BuiltServer.TryGetValue(probe, out var served) && served);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        internal GatewayUnderTest Gateway { get; private set; } = null!;

        internal SessionCallsTests.Probe Probe { get; } = new();

        public async Task InitializeAsync() =>
            Gateway = await GatewayUnderTest.StartWithAuthAsync(
                new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
                configureBuilder: builder => builder.Services.AddSingleton<IStartupFilter>(Probe));

        public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
    }
}
