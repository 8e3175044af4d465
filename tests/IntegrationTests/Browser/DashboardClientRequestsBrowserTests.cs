using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using OneMcp.IntegrationTests.Support.OAuth;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>One gateway (auth and scope validation on, the OAuth-protected vault and a stdio backend tagged prod) shared by <see cref="DashboardClientRequestsBrowserTests"/>.</summary>
public sealed class ClientRequestsGatewayFixture : IAsyncLifetime
{
    internal HttpTestServer Vault { get; private set; } = null!;

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Vault = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth"]);
        Gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder()
                .Add("vault", ConfigBuilder.HttpServer(Vault.McpUrl, ["secure"]))
                .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["prod"])),
            adjust: o => o with { EnableScopeValidation = true });
        await Gateway.AddUserAsync(Walkthrough.Admin, Walkthrough.AdminPassword, "admin");
        await Gateway.AddUserAsync(Walkthrough.Member, Walkthrough.MemberPassword, "member");
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Vault.DisposeAsync();
    }
}

/// <summary>
/// The dashboard's Requests, Tag scopes and Clients views in a real Chromium against a real gateway: a member's
/// client asking for an admin-only tag, once the member clicked "Ask an administrator", waits until the admin approves or
/// denies it in the dashboard (the member's page continues by itself), and Revoke on a grant ends its token at once.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardClientRequestsBrowserTests(BrowserFixture browser, ClientRequestsGatewayFixture fixture) : IClassFixture<ClientRequestsGatewayFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task MemberWaitingForAnAdminOnlyTag_ContinuesWithACode_WhenTheAdminApprovesInRequests()
    {
        var (decided, tokenScope) = await MemberAsksForProdAsync("Walkthrough approve", approve: true, "walkthrough-client-approve");

        decided.Error.ShouldBeNull();
        decided.Code.ShouldNotBeNullOrEmpty();
        tokenScope.ShouldNotBeNull();
        tokenScope.Split(' ').ShouldContain("tag:prod");
    }

    [Fact]
    public async Task MemberWaitingForAnAdminOnlyTag_EndsWithAccessDenied_WhenTheAdminDeniesInRequests()
    {
        var (decided, tokenScope) = await MemberAsksForProdAsync("Walkthrough deny", approve: false, "walkthrough-client-deny");

        decided.Error.ShouldBe("access_denied");
        decided.Code.ShouldBeNull();
        tokenScope.ShouldBeNull();
    }

    [Fact]
    public async Task RevokeInClients_EndsTheGrant_AndTheClientsNextMcpRequestGets401()
    {
        const string redirect = "http://127.0.0.1:46033/cb";
        var (clientId, tokens) = await Walkthrough.AdminTokenAsync(Gateway, redirect, "Walkthrough revoke", ["tag:prod"]);
        await using (var mcp = await Walkthrough.ConnectAsync(Gateway, tokens.AccessToken!))
        {
            (await mcp.ListToolsAsync()).ShouldContain(t => t.Name == "alpha_1mcp_echo");
        }

        using (var before = await PostInitializeAsync(tokens.AccessToken!))
        {
            before.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        try
        {
            await Walkthrough.SignInToDashboardAsync(page, Gateway, Walkthrough.Admin, Walkthrough.AdminPassword);
            await page.GetByRole(AriaRole.Link, new() { Name = "Clients", Exact = true }).ClickAsync();
            var card = page.Locator($"[data-client=\"{clientId}\"]");
            await Expect(card).ToContainTextAsync("Walkthrough revoke", Walkthrough.LongContain);
            var grant = card.Locator("[data-grant]");
            await Expect(grant).ToHaveCountAsync(1, new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(grant).ToContainTextAsync(Walkthrough.Admin);
            await BrowserFixture.SaveScreenshotAsync(page, "walkthrough-clients");

            await grant.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
            await Expect(page.Locator("#note[role=status]")).ToContainTextAsync("Revoked: Walkthrough revoke for ada", Walkthrough.LongContain);
            await Expect(grant).ToHaveCountAsync(0, new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(card).ToContainTextAsync("No active grants", Walkthrough.LongContain);
            await Expect(page.Locator("#error[role=alert]")).ToBeHiddenAsync();

            using var after = await PostInitializeAsync(tokens.AccessToken!);
            after.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            await Should.ThrowAsync<Exception>(async () =>
            {
                await using var again = await Walkthrough.ConnectAsync(Gateway, tokens.AccessToken!);
                await again.ListToolsAsync();
            });
            using var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, Walkthrough.Admin, Walkthrough.AdminPassword);
            var clients = await admin.GetFromJsonAsync<JsonArray>("/api/clients");
            clients!.Single(c => c!["clientId"]!.GetValue<string>() == clientId)!["grants"]!.AsArray().ShouldBeEmpty();
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// As admin, keeps <c>prod</c> to administrators in the Tag scopes view; as bob, asks for <c>tag:prod</c> in a second
    /// browser; as admin, approves or denies the request in the Requests view; bob's page continues by itself.
    /// </summary>
    private async Task<(AuthorizationRedirect Decided, string? TokenScope)> MemberAsksForProdAsync(string clientName, bool approve, string screenshotPrefix)
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var redirect = listener.RedirectUri.AbsoluteUri;
        var driver = new OAuthFlowDriver(Gateway.BaseUrl);
        var clientId = (await driver.RegisterClientAsync([redirect], clientName: clientName)).ClientId!;
        var pkce = Pkce.Create();
        var state = "st-" + Guid.NewGuid().ToString("N");
        var authorize = driver.BuildAuthorizeUri(clientId, redirect, ["tag:prod"], state, pkce);

        var adminPage = await Walkthrough.NewPageAsync(browser);
        var memberPage = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(adminPage);
        try
        {
            // The admin keeps prod to administrators (Tag scopes view: the policy select and Save).
            await Walkthrough.SignInToDashboardAsync(adminPage, Gateway, Walkthrough.Admin, Walkthrough.AdminPassword);
            await adminPage.GetByRole(AriaRole.Link, new() { Name = "Tag scopes", Exact = true }).ClickAsync();
            var prod = adminPage.Locator("[data-tag=\"prod\"]");
            await Expect(prod).ToContainTextAsync("alpha", Walkthrough.LongContain);
            await prod.GetByLabel("Who may grant prod", new() { Exact = true }).SelectOptionAsync("adminsOnly");
            await prod.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
            await Expect(adminPage.Locator("#note[role=status]")).ToContainTextAsync("Tag prod saved.", Walkthrough.LongContain);
            await BrowserFixture.SaveScreenshotAsync(adminPage, "walkthrough-tag-scopes");
            using (var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, Walkthrough.Admin, Walkthrough.AdminPassword))
            {
                var scopes = JsonNode.Parse(await admin.GetStringAsync("/api/tag-scopes"))!.AsArray();
                scopes.Single(s => s!["tag"]!.GetValue<string>() == "prod")!["policy"]!.GetValue<string>().ShouldBe("adminsOnly");
            }

            // The member's browser: sign-in, then the page that asks whether to ask an administrator (nothing is filed
            // yet), then, after "Ask an administrator", the waiting page (it reloads itself every 3 s).
            await memberPage.GotoAsync(authorize.AbsoluteUri);
            new Uri(memberPage.Url).AbsolutePath.ShouldBe("/login");
            await Walkthrough.SubmitSignInAsync(memberPage, Walkthrough.Member, Walkthrough.MemberPassword);
            await Expect(memberPage.Locator("h1#ask-administrator")).ToContainTextAsync("Ask an administrator to authorize", Walkthrough.LongContain);
            await Expect(memberPage.Locator("#client-name")).ToHaveTextAsync(clientName);
            await BrowserFixture.SaveScreenshotAsync(memberPage, screenshotPrefix + "-member-ask");
            await memberPage.GetByRole(AriaRole.Button, new() { Name = "Ask an administrator", Exact = true }).ClickAsync();
            await Expect(memberPage.Locator("h1#waiting")).ToHaveTextAsync("Waiting for an administrator", Walkthrough.Long);
            await Expect(memberPage.Locator("#client-name")).ToHaveTextAsync(clientName);
            await Expect(memberPage.Locator("main")).ToContainTextAsync("tag:prod");
            await BrowserFixture.SaveScreenshotAsync(memberPage, screenshotPrefix + "-member-waiting");

            if (approve)
            {
                // A link to the request (the waiting member can send one): the prompt at the top of the dashboard approves
                // backend connections only; it must not offer to approve a client's tags as "the connection of <client>".
                string requestId;
                using (var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, Walkthrough.Admin, Walkthrough.AdminPassword))
                {
                    var pending = JsonNode.Parse(await admin.GetStringAsync("/api/authorization-requests"))!.AsArray();
                    var asked = pending.Single(r => r!["clientName"]?.GetValue<string>() == clientName)!;
                    requestId = asked["id"]!.GetValue<string>();
                    asked["redirectUri"]!.GetValue<string>().ShouldBe(redirect);
                }

                await adminPage.GotoAsync(Gateway.Url($"/oauth?request={requestId}").AbsoluteUri);
                await Expect(adminPage.Locator("[data-callback=client-request]")).ToContainTextAsync("decide it in Requests below", Walkthrough.LongContain);
                await Expect(adminPage.Locator("#callback-title")).ToHaveCountAsync(0, new() { Timeout = BrowserTimeouts.ExpectMs });
            }

            // The admin's Requests view lists it; Approve or Deny.
            await adminPage.GetByRole(AriaRole.Link, new() { Name = "Requests", Exact = true }).ClickAsync();
            var request = adminPage.Locator("[data-request]").Filter(new() { HasText = clientName });
            await Expect(request).ToHaveCountAsync(1, new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(request).ToContainTextAsync($"{clientName} for {Walkthrough.Member} asks for tag:prod");
            // Where the code goes once approved: the admin sees the redirect URI's host before deciding.
            await Expect(request.Locator(".returns")).ToHaveTextAsync(
                $"Approving returns the browser to {listener.RedirectUri.Authority}, an application on the user's computer.");
            await BrowserFixture.SaveScreenshotAsync(adminPage, screenshotPrefix + "-requests");
            await request.GetByRole(AriaRole.Button, new() { Name = approve ? "Approve" : "Deny", Exact = true }).ClickAsync();
            await Expect(adminPage.Locator("#note[role=status]")).ToContainTextAsync(approve ? "Approved:" : "Denied:", Walkthrough.LongContain);
            await Expect(request).ToHaveCountAsync(0, new() { Timeout = BrowserTimeouts.ExpectMs });

            // Meanwhile the member's page was still waiting; it continues by itself to the client's redirect.
            await memberPage.WaitForURLAsync(url => url.StartsWith(redirect, StringComparison.Ordinal), Walkthrough.LongNavigation);
            var decided = AuthorizationRedirect.Parse(new Uri(memberPage.Url));
            decided.State.ShouldBe(state);
            (await listener.FirstCallbackAsync(TimeSpan.FromSeconds(30))).ShouldBe(new Uri(memberPage.Url));
            problems.ShouldBeEmpty();
            if (decided.Code is null)
            {
                return (decided, null);
            }

            var tokens = await driver.ExchangeCodeAsync(clientId, decided.Code, redirect, pkce.Verifier);
            tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);
            return (decided, tokens.Scope);
        }
        finally
        {
            await memberPage.Context.CloseAsync();
            await adminPage.Context.CloseAsync();
        }
    }

    /// <summary>A raw MCP initialize POST with the bearer token.</summary>
    private async Task<HttpResponseMessage> PostInitializeAsync(string accessToken)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Gateway.Url("/mcp"))
        {
            Content = new StringContent(RawMcpSession.Initialize().ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return await http.SendAsync(request);
    }
}
