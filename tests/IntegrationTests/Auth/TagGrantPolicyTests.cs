using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// A tag scope kept to admins (or named users) is offered only to them on the consent page; a member whose client asks
/// for it is asked first whether to ask an administrator (opening the link files nothing), and once they ask waits until
/// an administrator approves or denies it in the dashboard; the approved token reaches the same backends in both protocol eras.
/// </summary>
public sealed class TagGrantPolicyTests(TagGrantPolicyTests.Fixture fixture) : IClassFixture<TagGrantPolicyTests.Fixture>
{
    private const string RedirectUri = "http://127.0.0.1:46004/cb";
    private static readonly string[] ProdOnly = ["tag:prod"];

    private GatewayUnderTest Gateway => fixture.Gateway;

    /// <summary>One gateway for the class: alpha [web], beta [prod] with <c>prod</c> kept to admins; ada is an admin, bob a member.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        internal GatewayUnderTest Gateway { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Gateway = await GatewayUnderTest.StartWithAuthAsync(
                new ConfigBuilder()
                    .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
                    .Add("beta", ConfigBuilder.StdioTestServer("beta", ["prod"])),
                adjust: o => o with { EnableScopeValidation = true });
            await Gateway.AddUserAsync("ada", "correct horse battery staple", "admin");
            await Gateway.AddUserAsync("bob", "tr0ub4dor&3 is long enough", "member");
            var scopes = Gateway.Services.GetRequiredService<ITagScopeRepository>();
            var prod = TagScope.Create(Tag.From("prod"), DateTimeOffset.UtcNow);
            prod.RestrictToAdmins(DateTimeOffset.UtcNow);
            await scopes.AddAsync(prod, CancellationToken.None);
        }

        public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
    }

    [Fact]
    public async Task Member_AskedForAnAdminOnlyTag_WaitsAndContinuesWhenAnAdminApproves()
    {
        var (driver, client, pkce, member) = await StartAsMemberAsync();
        var authorize = driver.BuildAuthorizeUri(client, RedirectUri, ["tag:prod"], "s1", pkce);

        var html = await OAuthFlowDriver.AskAnAdministratorAsync(member, authorize);
        var refresh = RefreshUrl(html);
        var stillWaiting = await member.GetAsync(refresh);
        using var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, "ada", "correct horse battery staple");
        var pending = await admin.GetFromJsonAsync<JsonArray>("/api/authorization-requests");
        var request = pending!.Single(r => r!["clientId"]!.GetValue<string>() == client)!;
        using var approve = await admin.PostAsJsonAsync($"/api/authorization-requests/{request["id"]}/approve", new { scopes = ProdOnly });
        var continued = await member.GetAsync(refresh);
        var redirect = AuthorizationRedirect.Parse(continued.Headers.Location!);
        var tokens = await driver.ExchangeCodeAsync(client, redirect.Code!, RedirectUri, pkce.Verifier);
        var replayed = await member.GetAsync(refresh);

        html.ShouldContain("Waiting for an administrator");
        html.ShouldContain("tag:prod");
        stillWaiting.StatusCode.ShouldBe(HttpStatusCode.OK);
        request["userName"]!.GetValue<string>().ShouldBe("bob");
        request["kind"]!.GetValue<string>().ShouldBe("clientConsent");
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        continued.StatusCode.ShouldBe(HttpStatusCode.Found);
        redirect.State.ShouldBe("s1");
        tokens.Scope!.Split(' ').ShouldContain("tag:prod");
        replayed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await replayed.Content.ReadAsStringAsync()).ShouldContain("already used");
        foreach (var era in EraClient.Eras)
        {
            // The approved token reaches the admin-only backend and nothing else, in a session and in 2026-07-28 requests.
            await using var mcp = await EraClient.ConnectAsync(Gateway, era, tokens.AccessToken!);
            (await SurfaceReach.OfAsync(mcp, ["alpha", "beta"])).ShouldReachEverywhere("beta");
        }
    }

    [Fact]
    public async Task AnAdminApproval_WithNoneOfTheRequestedTags_Is400_AndTheRequestWaitsForADecision()
    {
        var (driver, client, pkce, member) = await StartAsMemberAsync();
        var refresh = RefreshUrl(await OAuthFlowDriver.AskAnAdministratorAsync(member, driver.BuildAuthorizeUri(client, RedirectUri, ["tag:prod"], "s3", pkce)));
        using var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, "ada", "correct horse battery staple");
        var request = (await admin.GetFromJsonAsync<JsonArray>("/api/authorization-requests"))!.Single(r => r!["clientId"]!.GetValue<string>() == client)!;

        // Before: 200 "approved", and the client was then refused with "the administrator granted no tag".
        using var empty = await admin.PostAsJsonAsync($"/api/authorization-requests/{request["id"]}/approve", new { scopes = Array.Empty<string>() });
        var problem = await empty.Content.ReadFromJsonAsync<JsonObject>();
        var stillPending = (await admin.GetFromJsonAsync<JsonArray>("/api/authorization-requests"))!.Single(r => r!["clientId"]!.GetValue<string>() == client)!;
        var waiting = await member.GetStringAsync(refresh);

        empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        problem!["code"]!.GetValue<string>().ShouldBe("authorization_request.no_tag");
        stillPending["status"]!.GetValue<string>().ShouldBe("pending");
        waiting.ShouldContain("Waiting for an administrator");
    }

    [Fact]
    public async Task Member_AskedForAnAdminOnlyTag_GetsAccessDeniedWhenAnAdminDenies()
    {
        var (driver, client, pkce, member) = await StartAsMemberAsync();
        var refresh = RefreshUrl(await OAuthFlowDriver.AskAnAdministratorAsync(member, driver.BuildAuthorizeUri(client, RedirectUri, ["tag:prod"], "s2", pkce)));
        using var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, "ada", "correct horse battery staple");
        var request = (await admin.GetFromJsonAsync<JsonArray>("/api/authorization-requests"))!.Single(r => r!["clientId"]!.GetValue<string>() == client)!;

        using var deny = await admin.PostAsync($"/api/authorization-requests/{request["id"]}/deny", content: null);
        using var again = await admin.PostAsync($"/api/authorization-requests/{request["id"]}/approve", content: null);
        var answer = await member.GetAsync(refresh);

        deny.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        AuthorizationRedirect.Parse(answer.Headers.Location!).Error.ShouldBe("access_denied");
    }

    [Fact]
    public async Task Member_AskedForAnAdminOnlyTagByAClientOnTheInternet_SeesWhereTheBrowserWillGo_BeforeAndAfterAsking()
    {
        // The waiting page goes on by itself once an administrator approves. So, as on the consent page, the page that
        // asks and the waiting page name the host the code goes to, loudly when that is not this computer.
        var driver = new OAuthFlowDriver(Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync(["https://tools.example.com/oauth/cb"])).ClientId!;
        using var member = await DashboardClient.SignInAsync(Gateway.BaseUrl, "bob", "tr0ub4dor&3 is long enough");
        var authorize = driver.BuildAuthorizeUri(client, "https://tools.example.com/oauth/cb", ["tag:prod"], "s5", Pkce.Create());

        var ask = await member.GetStringAsync(authorize);
        var waiting = await OAuthFlowDriver.AskAnAdministratorAsync(member, authorize);

        ask.ShouldContain("<p class=\"warning\" id=\"return-host\" role=\"alert\">When an administrator has decided, your browser returns to <strong>tools.example.com</strong>, a site on the internet, not this computer. Ask only if");
        waiting.ShouldContain("Waiting for an administrator");
        waiting.ShouldContain("<p class=\"warning\" id=\"return-host\" role=\"alert\">When an administrator has decided, your browser returns to <strong>tools.example.com</strong>, a site on the internet");
    }

    [Fact]
    public async Task Member_OpeningALinkForAnAdminOnlyTag_FilesNoRequestForAnAdministrator_UntilTheyAsk()
    {
        // Anyone can register a client and send a member a link to /authorize: opening it must not ask an administrator
        // in the member's name. The page says what is asked and by whom; only its "Ask an administrator" files the request.
        var (driver, client, pkce, member) = await StartAsMemberAsync();
        var authorize = driver.BuildAuthorizeUri(client, RedirectUri, ["tag:prod"], "s6", pkce);
        using var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, "ada", "correct horse battery staple");

        using var page = await member.GetAsync(authorize);
        var html = await page.Content.ReadAsStringAsync();
        var form = HtmlForms.FindFormWith(html, "request_id");
        var requestId = form.HiddenFields.Single(f => f.Key == "request_id").Value;
        var beforeAsking = await PendingForAsync(admin, client);
        using var notAskedRefresh = await member.GetAsync(authorize.AbsoluteUri + "&request_id=" + requestId);

        beforeAsking.ShouldBeEmpty();
        notAskedRefresh.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var waiting = await OAuthFlowDriver.AskAnAdministratorAsync(member, authorize);
        var afterAsking = await PendingForAsync(admin, client);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("form-action 'self' http://127.0.0.1:46004");
        html.ShouldContain("<button type=\"submit\" name=\"action\" value=\"ask\" class=\"primary guarded\">Ask an administrator</button>");
        html.ShouldContain("<button type=\"submit\" name=\"action\" value=\"deny\" class=\"secondary\">Cancel</button>");
        html.ShouldContain("<code>tag:prod</code>");
        html.ShouldNotContain("Waiting for an administrator");
        waiting.ShouldContain("Waiting for an administrator");
        afterAsking.Count.ShouldBe(1);
        afterAsking[0]!["userName"]!.GetValue<string>().ShouldBe("bob");
        afterAsking[0]!["requestedScopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(ProdOnly);
    }

    [Fact]
    public async Task Member_CancellingBeforeAskingAnAdministrator_SendsAccessDeniedToTheClient_AndFilesNothing()
    {
        var (driver, client, pkce, member) = await StartAsMemberAsync();
        using var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, "ada", "correct horse battery staple");
        var form = HtmlForms.FindFormWith(await member.GetStringAsync(driver.BuildAuthorizeUri(client, RedirectUri, ["tag:prod"], "s7", pkce)), "request_id");

        using var cancel = await member.PostAsync("/authorize", new FormUrlEncodedContent(form.HiddenFields.Append(KeyValuePair.Create("action", "deny"))));

        cancel.StatusCode.ShouldBe(HttpStatusCode.Found);
        var redirect = AuthorizationRedirect.Parse(cancel.Headers.Location!);
        redirect.Error.ShouldBe("access_denied");
        redirect.State.ShouldBe("s7");
        (await PendingForAsync(admin, client)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Member_AskedForAnAdminOnlyTagWithPromptNone_GoesBackWithInteractionRequiredAndAsksNoAdministrator()
    {
        var (driver, client, pkce, member) = await StartAsMemberAsync();

        using var response = await member.GetAsync(driver.BuildAuthorizeUri(client, RedirectUri, ["tag:prod"], "s4", pkce).AbsoluteUri + "&prompt=none");
        using var admin = await DashboardClient.SignInAsync(Gateway.BaseUrl, "ada", "correct horse battery staple");
        var pending = await admin.GetFromJsonAsync<JsonArray>("/api/authorization-requests");

        response.StatusCode.ShouldBe(HttpStatusCode.Found);
        var redirect = AuthorizationRedirect.Parse(response.Headers.Location!);
        redirect.Error.ShouldBe("interaction_required");
        redirect.State.ShouldBe("s4");
        redirect.Code.ShouldBeNull();
        pending!.ShouldNotContain(r => r!["clientId"]!.GetValue<string>() == client);
    }

    [Fact]
    public async Task Member_CannotApproveTheirOwnEscalatedRequest_NorDecideItThroughTheApi()
    {
        var (driver, client, pkce, member) = await StartAsMemberAsync();
        var html = await OAuthFlowDriver.AskAnAdministratorAsync(member, driver.BuildAuthorizeUri(client, RedirectUri, ["tag:prod"], "s3", pkce));
        var form = HtmlForms.FindFormWith(html, "request_id");
        var fields = form.HiddenFields.ToList();
        fields.Add(KeyValuePair.Create("action", "approve"));
        fields.Add(KeyValuePair.Create("scopes", "tag:prod"));
        var requestId = fields.Single(f => f.Key == "request_id").Value;

        using var selfApproval = await member.PostAsync("/authorize", new FormUrlEncodedContent(fields));
        using var viaApi = await member.PostAsync($"/api/authorization-requests/{requestId}/approve", content: null);
        var refresh = await member.GetAsync(RefreshUrl(html));

        selfApproval.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        viaApi.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        refresh.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await refresh.Content.ReadAsStringAsync()).ShouldContain("Waiting for an administrator");
    }

    private async Task<(OAuthFlowDriver Driver, string Client, Pkce Pkce, HttpClient Member)> StartAsMemberAsync()
    {
        var driver = new OAuthFlowDriver(Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var member = await DashboardClient.SignInAsync(Gateway.BaseUrl, "bob", "tr0ub4dor&3 is long enough");
        return (driver, client, Pkce.Create(), member);
    }

    private static async Task<List<JsonNode?>> PendingForAsync(HttpClient admin, string client) =>
        [.. (await admin.GetFromJsonAsync<JsonArray>("/api/authorization-requests"))!.Where(r => r!["clientId"]?.GetValue<string>() == client)];

    private static string RefreshUrl(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "http-equiv=\"refresh\" content=\"\\d+;url=([^\"]+)\"");
        match.Success.ShouldBeTrue(html);
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [Fact]
    public async Task Member_WithoutARequestedScope_IsOfferedOnlyTheTagsTheyMayGrant()
    {
        var driver = new OAuthFlowDriver(Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;

        var member = await driver.SignInAndApproveAsync(client, RedirectUri, [], Pkce.Create(), "bob", "tr0ub4dor&3 is long enough", selectedScopes: ["tag:web"]);
        var admin = await driver.SignInAndApproveAsync(client, RedirectUri, [], Pkce.Create(), "ada", "correct horse battery staple", selectedScopes: ["tag:prod"]);

        member.OfferedScopes.Select(s => s.Value).ShouldBe(["tag:web"]);
        member.Redirect.Code.ShouldNotBeNull();
        admin.OfferedScopes.Select(s => s.Value).ShouldBe(["tag:prod", "tag:web", "onemcp:admin"], ignoreOrder: true);
        admin.OfferedScopes.Single(s => s.Value == "onemcp:admin").Checked.ShouldBeFalse();
        admin.Redirect.Code.ShouldNotBeNull();
    }
}
