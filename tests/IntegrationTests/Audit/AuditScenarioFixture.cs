using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Audit;

/// <summary>
/// One gateway with auth on, and one run of every audited event: MCP calls of two members (bob and cy) on two
/// backends, a failed and successful sign-ins, a consent and a consent denial, an administrator's approval and
/// denial, a token revocation and REST changes (a preset, a user added and changed). The tests then read the audit
/// log it left.
/// </summary>
public sealed class AuditScenarioFixture : IAsyncLifetime
{
    public const string Admin = "ada";
    public const string AdminPassword = "correct horse battery staple";
    public const string Bob = "bob";
    public const string BobPassword = "tr0ub4dor&3 is long enough";
    public const string Cy = "cy";
    public const string CyPassword = "cy's password is long enough";
    public const string Dee = "dee";
    public const string DeePassword = "dee has a long enough password";
    private const string RedirectUri = "http://127.0.0.1:46011/cb";

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public HttpClient AdminHttp { get; private set; } = null!;

    public string BobClientId { get; private set; } = null!;

    public string CyClientId { get; private set; } = null!;

    public string DeniedClientId { get; private set; } = null!;

    /// <summary>The authorization requests the administrator approved and denied, in that order.</summary>
    public List<Guid> DecidedRequests { get; } = [];

    public async Task InitializeAsync()
    {
        Gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["web"])));
        await Gateway.AddUserAsync(Admin, AdminPassword, "admin");
        await Gateway.AddUserAsync(Bob, BobPassword);
        await Gateway.AddUserAsync(Cy, CyPassword);
        var driver = new OAuthFlowDriver(Gateway.BaseUrl);

        // Sign-in failure (a wrong password), then sign-ins and consents of both members.
        using (var anonymous = DashboardClient.Open(Gateway.BaseUrl))
        using (var wrong = await anonymous.PostAsync("/login", new FormUrlEncodedContent([KeyValuePair.Create("username", Bob), KeyValuePair.Create("password", "not the password")])))
        {
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (BobClientId, var bobToken) = await TokenAsync(driver, Bob, BobPassword);
        (CyClientId, var cyToken) = await TokenAsync(driver, Cy, CyPassword);

        // A consent the user denies.
        DeniedClientId = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var refused = await driver.AuthorizeAsync(DeniedClientId, RedirectUri, [], null, "s", Pkce.Create(), Bob, BobPassword, ConsentDecision.Deny);
        refused.Redirect.Error.ShouldBe("access_denied");

        // MCP calls of both users, one of them failing.
        await using (var bob = await ConnectAsync(bobToken))
        {
            (await bob.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "hi" })).IsError.ShouldNotBe(true);
            (await bob.ReadResourceAsync("beta_1mcp_test://static/info")).Contents.ShouldNotBeEmpty();
            (await bob.GetPromptAsync("alpha_1mcp_greeting", new Dictionary<string, object?> { ["name"] = "Ada" })).Messages.ShouldNotBeEmpty();
            await Should.ThrowAsync<ModelContextProtocol.McpException>(() => bob.CallToolAsync("alpha_1mcp_throw").AsTask());
        }

        await using (var cy = await ConnectAsync(cyToken))
        {
            (await cy.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "hello" })).IsError.ShouldNotBe(true);
        }

        // An administrator approves one waiting request and denies another, and makes a REST change.
        AdminHttp = await DashboardClient.SignInAsync(Gateway.BaseUrl, Admin, AdminPassword);
        var requests = Gateway.Services.GetRequiredService<IAuthorizationRequestRepository>();
        foreach (var action in new[] { "approve", "deny" })
        {
            var pending = AuthorizationRequest.ForClient(
                await SubjectOfAsync(Bob), BobClientId, "Bob's client", ["tag:web"], "{}", DateTimeOffset.UtcNow, requiresAdministrator: true);
            await requests.AddAsync(pending, CancellationToken.None);
            DecidedRequests.Add(pending.Id);
            using var decided = await AdminHttp.PostAsync($"/api/authorization-requests/{pending.Id:D}/{action}", content: null);
            decided.StatusCode.ShouldBe(HttpStatusCode.OK, await decided.Content.ReadAsStringAsync());
        }

        using (var preset = await AdminHttp.PostAsJsonAsync("/api/presets", new { name = "web-only", expression = "web" }))
        {
            preset.IsSuccessStatusCode.ShouldBeTrue(await preset.Content.ReadAsStringAsync());
        }

        using (var invalid = await AdminHttp.PostAsJsonAsync("/api/presets", new { name = "broken", expression = "web and (" }))
        {
            invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        // A user added and then changed by the administrator.
        using (var added = await AdminHttp.PostAsJsonAsync("/api/users", new { userName = Dee, password = DeePassword }))
        {
            added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        }

        using (var promoted = await AdminHttp.PatchAsJsonAsync($"/api/users/{Dee}", new { role = "admin" }))
        {
            promoted.StatusCode.ShouldBe(HttpStatusCode.OK, await promoted.Content.ReadAsStringAsync());
        }

        // Cy's client revokes its token.
        (await driver.RevokeAsync(CyClientId, cyToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The writer is asynchronous: wait until the last event is stored.
        await Eventually.ValueAsync(
            () => ListAsync(AdminHttp, "?kind=revocation"),
            page => page["items"]!.AsArray().Count > 0,
            "the revocation in the audit log");
    }

    public async Task DisposeAsync()
    {
        AdminHttp.Dispose();
        await Gateway.DisposeAsync();
    }

    public static async Task<JsonObject> ListAsync(HttpClient http, string query) =>
        (await http.GetFromJsonAsync<JsonObject>("/api/audit" + query))!;

    public async Task<string> SubjectOfAsync(string userName)
    {
        var users = Gateway.Services.GetRequiredService<Domain.Users.IUserRepository>();
        return (await users.FindByNameAsync(userName, CancellationToken.None))!.Id.ToString("D");
    }

    private static async Task<(string ClientId, string AccessToken)> TokenAsync(OAuthFlowDriver driver, string user, string password)
    {
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, [], pkce, user, password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return (client, tokens.AccessToken!);
    }

    private async Task<McpClient> ConnectAsync(string accessToken) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Gateway.Url("/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + accessToken },
        }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });
}
