using System.Net;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Domain.TagScopes;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Sso;

public sealed class GroupGrantGatewayFixture : IAsyncLifetime
{
    internal SsoGateway Sso { get; private set; } = null!;

    /// <summary>
    /// Scope validation on (every granted tag must be on a backend): alpha [web], beta [docs, web], gamma [notes];
    /// <c>web</c> may be granted by the members of the provider's group <c>engineering</c> (and administrators).
    /// </summary>
    public async Task InitializeAsync()
    {
        Sso = await SsoGateway.StartAsync(
            adjust: o => o with { EnableScopeValidation = true },
            backends: new ConfigBuilder()
                .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
                .Add("beta", ConfigBuilder.StdioTestServer("beta", ["docs", "web"]))
                .Add("gamma", ConfigBuilder.StdioTestServer("gamma", ["notes"])));
        await using var scope = Sso.Gateway.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new SetTagScopeCommand(
            "web", new TagScopeEdit { Policy = GrantPolicy.NamedUsers, AllowedGroups = ["engineering"] }));
    }

    public async Task DisposeAsync() => await Sso.DisposeAsync();
}

/// <summary>
/// Grants a user gave because of a group of the identity provider (ADR 0050): someone the provider no longer puts in
/// the group loses, at their next sign-in, every grant that holds or reaches a tag only the group allowed them, with
/// its tokens; grants their groups still allow stay.
/// </summary>
public sealed class OidcGroupGrantTests(GroupGrantGatewayFixture fixture) : IClassFixture<GroupGrantGatewayFixture>
{
    private const string RedirectUri = "http://127.0.0.1:9/callback";

    private SsoGateway Sso => fixture.Sso;

    [Fact]
    public async Task NextSignIn_OutOfTheGroupThatAllowedATag_RevokesTheGrantsThatHoldOrReachIt_AndKeepsTheOthers()
    {
        Sso.Provider.SetAccount("kim", "kim@corp.example", ["engineering"], "kim");
        var driver = new OAuthFlowDriver(Sso.Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri], clientName: "Group grants")).ClientId!;
        TokenResponse web, docs, notes;
        using (var browser = Sso.Browser())
        {
            (await Sso.SignInAsync(browser, "kim")).StatusCode.ShouldBe(HttpStatusCode.Found);
            web = await GrantAsync(browser, driver, client, "tag:web");
            docs = await GrantAsync(browser, driver, client, "tag:docs");
            notes = await GrantAsync(browser, driver, client, "tag:notes");
        }

        (await ReachAsync(web.AccessToken!)).ShouldBe("alpha,beta");
        (await ReachAsync(docs.AccessToken!)).ShouldBe("beta");
        (await ReachAsync(notes.AccessToken!)).ShouldBe("gamma");

        // A sign-in that changes no group changes no grant.
        using (var same = Sso.Browser())
        {
            (await Sso.SignInAsync(same, "kim")).StatusCode.ShouldBe(HttpStatusCode.Found);
        }

        (await ReachAsync(web.AccessToken!)).ShouldBe("alpha,beta");

        // Out of engineering at the provider, then signed in again: the grant of tag:web and the one of tag:docs (its
        // backend beta also carries web) end with their access and refresh tokens; tag:notes was never the group's.
        Sso.Provider.SetAccount("kim", "kim@corp.example", ["support"], "kim");
        using (var again = Sso.Browser())
        {
            (await Sso.SignInAsync(again, "kim")).StatusCode.ShouldBe(HttpStatusCode.Found);
        }

        (await ReachAsync(web.AccessToken!)).ShouldBe("401");
        (await ReachAsync(docs.AccessToken!)).ShouldBe("401");
        (await driver.RefreshAsync(client, web.RefreshToken!)).Error.ShouldBe("invalid_grant");
        (await driver.RefreshAsync(client, docs.RefreshToken!)).Error.ShouldBe("invalid_grant");
        (await ReachAsync(notes.AccessToken!)).ShouldBe("gamma");
        var renewed = await driver.RefreshAsync(client, notes.RefreshToken!);
        renewed.IsSuccess.ShouldBeTrue(renewed.Body);
        (await ReachAsync(renewed.AccessToken!)).ShouldBe("gamma");

        // The dashboard's list of grants says the same.
        var kim = (await Sso.ProviderUserAsync("kim")).ShouldNotBeNull();
        await using var scope = Sso.Gateway.Services.CreateAsyncScope();
        var grants = (await scope.ServiceProvider.GetRequiredService<IOAuthGrantDirectory>().ListClientsAsync(CancellationToken.None))
            .Single(c => c.ClientId == client).Grants;
        grants.ShouldHaveSingleItem().Subject.ShouldBe(kim.Id.ToString());
        grants[0].Scopes.ShouldContain("tag:notes");
    }

    /// <summary>Approves <paramref name="tag"/> (with offline access) on the consent page in a signed-in browser, and exchanges the code.</summary>
    private async Task<TokenResponse> GrantAsync(HttpClient browser, OAuthFlowDriver driver, string client, string tag)
    {
        var pkce = Pkce.Create();
        var authorize = driver.BuildAuthorizeUri(client, RedirectUri, [tag, "offline_access"], "state", pkce, Sso.Gateway.Url("/mcp").AbsoluteUri);
        var page = await browser.GetStringAsync(authorize);
        var form = HtmlForms.FindFormWith(page, "action");
        var fields = form.HiddenFields.Append(KeyValuePair.Create(OAuthFlowDriver.ScopesField, tag)).Append(KeyValuePair.Create("action", "approve"));
        using var decision = await browser.PostAsync(form.ResolveAction(authorize), new FormUrlEncodedContent(fields));
        decision.StatusCode.ShouldBe(HttpStatusCode.Found, await decision.Content.ReadAsStringAsync());
        var code = AuthorizationRedirect.Parse(decision.Headers.Location!).Code.ShouldNotBeNull(decision.Headers.Location!.ToString());
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return tokens;
    }

    /// <summary>The backends whose tools the token lists on <c>/mcp</c> (sorted, comma-separated), or the status when it is refused.</summary>
    private async Task<string> ReachAsync(string accessToken)
    {
        var (status, message) = await StatelessRequest.SendAsync(Sso.Gateway.Url("/mcp"), "tools/list", token: accessToken);
        if (status != HttpStatusCode.OK)
        {
            return ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return string.Join(',', message.GetProperty("result").GetProperty("tools").EnumerateArray()
            .Select(t => t.GetProperty("name").GetString()!.Split("_1mcp_")[0])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal));
    }
}
