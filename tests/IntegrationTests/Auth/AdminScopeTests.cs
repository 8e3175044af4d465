using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Admin rights are a scope (<c>onemcp:admin</c>): an MCP client an administrator approves gets no admin rights
/// from the administrator's role, only from an explicit, unticked-by-default choice on the consent page.
/// </summary>
public sealed class AdminScopeTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    private const string RedirectUri = "http://127.0.0.1:45561/cb";
    private const string AdminScope = "onemcp:admin";

    [Fact]
    public async Task AddStdioBackend_WithATokenAnAdminApprovedWithoutTheAdminScope_Is403AndRunsNothing()
    {
        // The finding: a self-registered client, approved by an admin, created a stdio backend whose command ran.
        var marker = Path.Combine(fixture.Gateway.Directory, "ran-" + Guid.NewGuid().ToString("N"));
        var token = await TokenAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, requested: [], ticked: []);
        using var http = Bearer(token);

        using var response = await http.PostAsJsonAsync("/api/backends", new { name = "pwned", command = "/bin/sh", args = new[] { "-c", $"touch '{marker}'" } });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await response.Content.ReadAsStringAsync());
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer error=\"insufficient_scope\", scope=\"onemcp:admin\"");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        fixture.Gateway.Pool.Backends.Select(b => b.Name.Value).ShouldNotContain("pwned");

        // A backend added next with the admin scope runs its command: once its marker exists, the refused one's
        // would exist too had it been accepted.
        var allowedMarker = marker + "-allowed";
        var allowedName = "allowed-" + Guid.NewGuid().ToString("N")[..8];
        using var administering = Bearer(await TokenAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, requested: [AdminScope], ticked: [AdminScope]));
        using var accepted = await administering.PostAsJsonAsync("/api/backends", new { name = allowedName, command = "/bin/sh", args = new[] { "-c", $"touch '{allowedMarker}'" } });
        accepted.StatusCode.ShouldBe(HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
        await Eventually.TrueAsync(() => File.Exists(allowedMarker), "the accepted backend's command to run");
        (await administering.DeleteAsync($"/api/backends/{allowedName}")).IsSuccessStatusCode.ShouldBeTrue();
        File.Exists(marker).ShouldBeFalse();
    }

    [Fact]
    public async Task AdminOnlyActions_WithoutTheAdminScope_AreRefusedEvenForReading()
    {
        var token = await TokenAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, requested: ["tag:web", AdminScope], ticked: ["tag:web"]);
        using var http = Bearer(token);

        using var users = await http.GetAsync("/api/users");
        using var preset = await http.PostAsJsonAsync("/api/presets", new { name = "p-" + Guid.NewGuid().ToString("N")[..6], expression = "web" });
        using var read = await http.GetAsync("/api/backends");

        users.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        users.Headers.WwwAuthenticate.ToString().ShouldContain("scope=\"onemcp:admin\"");
        preset.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AdminScope_TickedByAnAdmin_ChangesTheGateway()
    {
        var tokens = await TokensAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, requested: [AdminScope], ticked: [AdminScope]);
        using var http = Bearer(tokens.AccessToken!);

        using var preset = await http.PostAsJsonAsync("/api/presets", new { name = "p-" + Guid.NewGuid().ToString("N")[..6], expression = "web" });

        tokens.Scope!.Split(' ').ShouldContain(AdminScope);
        preset.StatusCode.ShouldBe(HttpStatusCode.Created, await preset.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ConsentPage_ForAnAdmin_OffersTheAdminScopeUnticked()
    {
        var consent = await ConsentFormAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, [AdminScope, "tag:web"]);

        var admin = consent.Form.Checkboxes(OAuthFlowDriver.ScopesField).Where(c => c.Value == AdminScope).ShouldHaveSingleItem();
        admin.Checked.ShouldBeFalse();
        consent.Html.ShouldContain("Administer this gateway: add backends that run commands on its host");
    }

    [Fact]
    public async Task ConsentPage_ForAMemberAskedForTheAdminScope_OffersItNotAndRefusesItPosted()
    {
        var consent = await ConsentFormAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, [AdminScope, "tag:web"]);
        var fields = consent.Form.HiddenFields.Where(f => f.Key is not "scopes" and not "action").ToList();
        fields.Add(KeyValuePair.Create("scopes", AdminScope));
        fields.Add(KeyValuePair.Create("action", "approve"));

        using var forged = await consent.Browser.PostAsync(consent.Form.ResolveAction(consent.Uri), new FormUrlEncodedContent(fields));

        consent.Form.Checkboxes(OAuthFlowDriver.ScopesField).Select(c => c.Value).ShouldNotContain(AdminScope);
        consent.Html.ShouldContain("id=\"admin-declined\"");
        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await forged.Content.ReadAsStringAsync()).ShouldContain("was not offered on this consent page");
        forged.Headers.Location.ShouldBeNull();
    }

    [Fact]
    public async Task ConsentPage_ForAMemberAskedOnlyForTheAdminScope_SaysThereIsNoTagTheyMayGrant()
    {
        var consent = await ConsentFormAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, [AdminScope]);

        // Before, the page said no backend carried a tag, on a gateway whose backends carry several.
        consent.Form.Checkboxes(OAuthFlowDriver.ScopesField).ShouldBeEmpty();
        consent.Html.ShouldContain("There is no tag here that you may grant");
        consent.Html.ShouldNotContain("carries a tag yet");
    }

    [Fact]
    public async Task Refresh_AskingForTheAdminScopeItWasNeverGranted_IsRefused()
    {
        var tokens = await TokensAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, requested: ["tag:web", AdminScope, "offline_access"], ticked: ["tag:web"]);

        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var refreshed = await driver.RefreshAsync(tokens.ClientId, tokens.RefreshToken!, $"tag:web {AdminScope}");

        tokens.Scope!.Split(' ').ShouldNotContain(AdminScope);
        refreshed.IsSuccess.ShouldBeFalse();
        refreshed.AccessToken.ShouldBeNull();
        refreshed.Body.ShouldContain("'scope' is invalid");
    }

    [Fact]
    public async Task Metadata_ListsTheAdminScope()
    {
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };

        var metadata = JsonNode.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server"))!;

        metadata["scopes_supported"]!.AsArray().Select(s => (string)s!).ShouldContain(AdminScope);
    }

    [Fact]
    public async Task ConsentPage_ShowsTheHostTheBrowserReturnsTo_AndWarnsWhenItIsNotThisComputer()
    {
        var loopback = await ConsentFormAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, ["tag:web"]);
        var remote = await ConsentFormAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, ["tag:web"], "https://tools.example.com/oauth/cb");

        loopback.Html.ShouldContain("id=\"return-host\"");
        loopback.Html.ShouldContain("<strong>127.0.0.1:45561</strong> (an application on this computer)");
        remote.Html.ShouldContain("class=\"warning\" id=\"return-host\" role=\"alert\"");
        remote.Html.ShouldContain("<strong>tools.example.com</strong>, a site on the internet, not this computer");
    }

    [Fact]
    public async Task ConsentPage_ShowsALookAlikeHostInItsAsciiForm()
    {
        // "gіthub.com" with a Cyrillic і: shown as written, it reads as GitHub.
        const string LookAlike = "https://g\u0456thub.com/oauth/cb";

        var consent = await ConsentFormAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, ["tag:web"], LookAlike);

        var ascii = new Uri(LookAlike).IdnHost;
        ascii.ShouldStartWith("xn--");
        consent.Html.ShouldContain($"<strong>{ascii}</strong>, a site on the internet");
    }

    private async Task<string> TokenAsync(string user, string password, string[] requested, string[] ticked) =>
        (await TokensAsync(user, password, requested, ticked)).AccessToken!;

    private async Task<(string ClientId, string? AccessToken, string? RefreshToken, string? Scope)> TokensAsync(string user, string password, string[] requested, string[] ticked)
    {
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri], grantTypes: ["authorization_code", "refresh_token"])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, requested, pkce, user, password, selectedScopes: ticked)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return (client, tokens.AccessToken, tokens.RefreshToken, tokens.Scope);
    }

    private HttpClient Bearer(string token)
    {
        var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private sealed record Consent(HttpClient Browser, Uri Uri, string Html, HtmlForm Form);

    /// <summary>Signs in as a browser would and returns the consent page of a fresh client.</summary>
    private async Task<Consent> ConsentFormAsync(string user, string password, string[] scopes, string redirectUri = RedirectUri)
    {
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([redirectUri])).ClientId!;
        var browser = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, user, password);
        var authorize = driver.BuildAuthorizeUri(client, redirectUri, scopes, "st", Pkce.Create());
        using var page = await browser.GetAsync(authorize);
        var html = await page.Content.ReadAsStringAsync();
        page.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        return new Consent(browser, authorize, html, HtmlForms.FindFormWith(html, "action"));
    }
}
