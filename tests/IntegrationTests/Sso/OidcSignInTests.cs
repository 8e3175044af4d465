using System.Net;
using System.Text.Json.Nodes;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.Users.Commands;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;
using OneMcp.IntegrationTests.Support.Oidc;

namespace OneMcp.IntegrationTests.Sso;

public sealed class SsoGatewayFixture : IAsyncLifetime
{
    internal SsoGateway Sso { get; private set; } = null!;

    public async Task InitializeAsync() => Sso = await SsoGateway.StartAsync();

    public async Task DisposeAsync() => await Sso.DisposeAsync();
}

/// <summary>
/// Sign-in with the team's identity provider against a real, independent OpenID provider: roles from the groups,
/// the domain allow-list, a group change between two sign-ins, a locally disabled user, and every forged or stale
/// answer refused with a page that says why and creates nobody.
/// </summary>
public sealed class OidcSignInTests(SsoGatewayFixture fixture) : IClassFixture<SsoGatewayFixture>
{
    private SsoGateway Sso => fixture.Sso;

    [Fact]
    public async Task AnAdminOfTheGroupBecomesAdmin_AMemberBecomesMember_AndBothLandWhereTheyWereGoing()
    {
        using var adaBrowser = Sso.Browser();
        using var boBrowser = Sso.Browser();

        var ada = await Sso.SignInAsync(adaBrowser, "ada", "/oauth#users");
        var bo = await Sso.SignInAsync(boBrowser, "bo");

        ada.StatusCode.ShouldBe(HttpStatusCode.Found, ada.Body);
        ada.Location!.PathAndQuery.ShouldBe("/oauth");
        bo.StatusCode.ShouldBe(HttpStatusCode.Found, bo.Body);
        (await SessionAsync(adaBrowser))["user"]!["role"]!.GetValue<string>().ShouldBe("admin");
        (await SessionAsync(boBrowser))["user"]!["role"]!.GetValue<string>().ShouldBe("member");

        var stored = (await Sso.ProviderUserAsync("ada")).ShouldNotBeNull();
        stored.UserName.ShouldBe("ada");
        stored.HasPassword.ShouldBeFalse();
        stored.Groups.ShouldBe(["engineering", SsoGateway.AdminGroup]);
        (await Sso.ProviderUserAsync("bo")).ShouldNotBeNull().Role.ShouldBe(UserRole.Member);

        // The admin's cookie opens the admin REST API; the member's does not.
        (await adaBrowser.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await boBrowser.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnAccountOutsideTheAllowedDomains_IsRefusedWithAPage_AndNobodyIsCreated()
    {
        using var browser = Sso.Browser();
        var users = await Sso.UserCountAsync();

        var eve = await Sso.SignInAsync(browser, "eve");

        eve.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        eve.Body.ShouldContain("Accounts of your e-mail domain may not sign in to this gateway (corp.example only).");
        (await Sso.ProviderUserAsync("eve")).ShouldBeNull();
        (await Sso.UserCountAsync()).ShouldBe(users);
        (await SessionAsync(browser))["user"].ShouldBeNull();

        // Audited as a failed sign-in under the address the provider gave, with the reason.
        using var admin = Sso.Browser();
        (await Sso.SignInAsync(admin, "ada")).StatusCode.ShouldBe(HttpStatusCode.Found);
        var entries = await Eventually.ValueAsync(
            async () => await admin.GetStringAsync("/api/audit?kind=sign-in&outcome=failure"),
            body => body.Contains("eve@elsewhere.example", StringComparison.Ordinal),
            "the refused sign-in in the audit log");
        entries.ShouldContain("domain_not_allowed");
    }

    [Fact]
    public async Task AGroupChangeBetweenTwoSignIns_ChangesTheRole()
    {
        Sso.Provider.SetAccount("cy", "cy@corp.example", [SsoGateway.AdminGroup], "cy");
        using (var first = Sso.Browser())
        {
            (await Sso.SignInAsync(first, "cy")).StatusCode.ShouldBe(HttpStatusCode.Found);
            (await SessionAsync(first))["user"]!["role"]!.GetValue<string>().ShouldBe("admin");
        }

        Sso.Provider.SetAccount("cy", "cy@corp.example", ["support"], "cy");
        using var second = Sso.Browser();
        (await Sso.SignInAsync(second, "cy")).StatusCode.ShouldBe(HttpStatusCode.Found);

        (await SessionAsync(second))["user"]!["role"]!.GetValue<string>().ShouldBe("member");
        var stored = (await Sso.ProviderUserAsync("cy")).ShouldNotBeNull();
        stored.Role.ShouldBe(UserRole.Member);
        stored.Groups.ShouldBe(["support"]);
    }

    [Fact]
    public async Task ALocallyDisabledUser_StaysRefused_WhateverTheProviderSays()
    {
        Sso.Provider.SetAccount("dee", "dee@corp.example", [SsoGateway.AdminGroup], "dee");
        using (var first = Sso.Browser())
        {
            (await Sso.SignInAsync(first, "dee")).StatusCode.ShouldBe(HttpStatusCode.Found);
        }

        await using (var scope = Sso.Gateway.Services.CreateAsyncScope())
        {
            // Another admin (ada) keeps the gateway administered.
            using var ada = Sso.Browser();
            (await Sso.SignInAsync(ada, "ada")).StatusCode.ShouldBe(HttpStatusCode.Found);
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new UpdateUserCommand("dee", new UserEdit { Disabled = true }));
        }

        using var browser = Sso.Browser();
        var again = await Sso.SignInAsync(browser, "dee");

        again.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        again.Body.ShouldContain("Your account is disabled on this gateway.");
        (await SessionAsync(browser))["user"].ShouldBeNull();
        (await Sso.ProviderUserAsync("dee")).ShouldNotBeNull().Disabled.ShouldBeTrue();
    }

    [Fact]
    public async Task ATamperedState_IsRefused_AndNobodyIsCreated()
    {
        Sso.Provider.SetAccount("fay", "fay@corp.example", ["engineering"], "fay");
        using var browser = Sso.Browser();

        var result = await Sso.SignInAsync(browser, "fay", tamperCallback: uri => OidcSignInDriver.WithQueryParameter(uri, "state", "forged-" + Guid.NewGuid()));

        await ShouldBeRefusedAsync(result, browser, "fay");
    }

    [Fact]
    public async Task AWrongNonce_IsRefused_AndNobodyIsCreated()
    {
        Sso.Provider.SetAccount("gus", "gus@corp.example", ["engineering"], "gus");
        using var browser = Sso.Browser();

        var result = await Sso.SignInAsync(browser, "gus", tamperAuthorizationRequest: uri => OidcSignInDriver.WithQueryParameter(uri, "nonce", "not-the-gateways-nonce"));

        await ShouldBeRefusedAsync(result, browser, "gus");
    }

    [Fact]
    public async Task AWrongIss_IsRefused_AndNobodyIsCreated()
    {
        Sso.Provider.SetAccount("hal", "hal@corp.example", ["engineering"], "hal");
        using var browser = Sso.Browser();

        var result = await Sso.SignInAsync(browser, "hal", tamperCallback: uri => OidcSignInDriver.WithQueryParameter(uri, "iss", "https://attacker.example"));

        await ShouldBeRefusedAsync(result, browser, "hal");
    }

    [Fact]
    public async Task ATagKeptToAGroup_IsGrantedByAMemberOfTheGroup_AndWaitsForAnAdministratorForAnyoneElse()
    {
        await using (var scope = Sso.Gateway.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SetTagScopeCommand(
                "web", new TagScopeEdit { Policy = GrantPolicy.NamedUsers, AllowedGroups = ["engineering"] }));
        }

        Sso.Provider.SetAccount("ivy", "ivy@corp.example", ["support"], "ivy");
        const string RedirectUri = "http://127.0.0.1:9/callback";
        var driver = new OAuthFlowDriver(Sso.Gateway.BaseUrl);
        var registration = await driver.RegisterClientAsync([RedirectUri], clientName: "Group policy");
        var client = registration.ClientId.ShouldNotBeNull(registration.Body);
        foreach (var (account, mayGrant) in new[] { ("bo", true), ("ivy", false) })
        {
            using var browser = Sso.Browser();
            (await Sso.SignInAsync(browser, account)).StatusCode.ShouldBe(HttpStatusCode.Found);

            var authorize = driver.BuildAuthorizeUri(client, RedirectUri, ["tag:web"], "state-" + account, Pkce.Create(), Sso.Gateway.Url("/mcp").AbsoluteUri);
            var page = await browser.GetStringAsync(authorize);

            if (mayGrant)
            {
                page.ShouldContain("value=\"tag:web\"", customMessage: account);
                page.ShouldNotContain("id=\"ask-administrator\"", customMessage: account);
            }
            else
            {
                page.ShouldContain("id=\"ask-administrator\"", customMessage: account);
                (await OAuthFlowDriver.AskAnAdministratorAsync(browser, authorize)).ShouldContain("id=\"waiting\"", customMessage: account);
            }
        }
    }

    [Fact]
    public async Task TheCallbackWithoutASignIn_SaysThereIsNothingToFinish()
    {
        using var browser = Sso.Browser();

        var response = await browser.GetAsync("/signin-oidc");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("This page only finishes a sign-in with Corp SSO; there is none to finish.");
    }

    [Fact]
    public async Task TheSignInPage_OffersTheProviderAndThePasswordForm()
    {
        using var browser = Sso.Browser();

        var page = await browser.GetStringAsync("/login?returnUrl=%2Fauthorize%3Fclient_id%3Dx");

        page.ShouldContain("id=\"sign-in-with-provider\" href=\"/login/oidc?returnUrl=%2Fauthorize%3Fclient_id%3Dx\">Sign in with Corp SSO</a>");
        page.ShouldContain("name=\"password\"");
        page.ShouldNotContain("provider-problem");
    }

    internal static async Task ShouldBeRefusedAsync(OidcSignInResult result, HttpClient browser, string account, SsoGateway? sso = null)
    {
        result.StatusCode.ShouldBe(HttpStatusCode.BadRequest, result.Body);
        result.Body.ShouldContain("Sign-in with Corp SSO failed");
        result.Body.ShouldContain("The answer from Corp SSO was refused:");
        result.Body.ShouldContain("id=\"back-to-sign-in\"");
        result.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith("onemcp_session=", StringComparison.Ordinal) && !c.StartsWith("onemcp_session=;", StringComparison.Ordinal));
        (await SessionAsync(browser))["user"].ShouldBeNull();
        if (sso is not null)
        {
            (await sso.ProviderUserAsync(account)).ShouldBeNull();
        }
    }

    private async Task ShouldBeRefusedAsync(OidcSignInResult result, HttpClient browser, string account)
    {
        await ShouldBeRefusedAsync(result, browser, account, Sso);
    }

    /// <summary>Who the browser's cookie signs in (<c>GET /api/session</c>); <c>user</c> is absent without a session (401).</summary>
    internal static async Task<JsonObject> SessionAsync(HttpClient browser)
    {
        using var response = await browser.GetAsync("/api/session");
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return [];
        }

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }
}
