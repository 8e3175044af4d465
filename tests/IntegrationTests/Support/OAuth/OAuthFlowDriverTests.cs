using System.Net;
using OneMcp.IntegrationTests.Auth;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>The driver against the real gateway with <c>--enable-auth</c>: every step it takes is one the real server answers.</summary>
public sealed class OAuthFlowDriverTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    // Never fetched: the driver captures the redirect to it without following it.
    private const string RedirectUri = "http://127.0.0.1:1/callback";

    private readonly OAuthFlowDriver _driver = new(fixture.Gateway.BaseUrl);

    private string Base => fixture.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/');

    [Fact]
    public async Task FullFlow_RegisterSignInApproveExchangeRefreshRevoke()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri], clientName: "driver test");
        client.StatusCode.ShouldBe(HttpStatusCode.Created, client.Body);
        client.ClientId.ShouldNotBeNullOrEmpty();
        client.ClientSecret.ShouldBeNull();
        var pkce = Pkce.Create();

        var result = await _driver.AuthorizeAsync(
            client.ClientId!, RedirectUri, ["tag:web", "tag:db", "offline_access"], Base + "/mcp", "st-1", pkce, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);

        result.OfferedScopes.Select(s => (s.Value, s.Checked)).ShouldBe([("tag:web", true), ("tag:db", true)]);
        result.Redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(RedirectUri);
        result.Redirect.State.ShouldBe("st-1");
        result.Redirect.Iss.ShouldBe(Base + "/");
        result.Redirect.Error.ShouldBeNull();
        result.Redirect.Code.ShouldNotBeNullOrEmpty();

        var tokens = await _driver.ExchangeCodeAsync(client.ClientId!, result.Redirect.Code!, RedirectUri, pkce.Verifier, resource: Base + "/mcp");
        tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);
        tokens.IsSuccess.ShouldBeTrue();
        tokens.AccessToken.ShouldNotBeNullOrEmpty();
        tokens.RefreshToken.ShouldNotBeNullOrEmpty();
        tokens.TokenType.ShouldBe("Bearer");
        tokens.ExpiresIn!.Value.ShouldBeInRange(3500L, 3600L);
        tokens.Scope!.Split(' ').ShouldBe(["tag:web", "tag:db", "offline_access"], ignoreOrder: true);

        var refreshed = await _driver.RefreshAsync(client.ClientId!, tokens.RefreshToken!);
        refreshed.StatusCode.ShouldBe(HttpStatusCode.OK, refreshed.Body);
        refreshed.AccessToken.ShouldNotBe(tokens.AccessToken);
        refreshed.RefreshToken.ShouldNotBeNullOrEmpty();
        refreshed.RefreshToken.ShouldNotBe(tokens.RefreshToken);

        var revoked = await _driver.RevokeAsync(client.ClientId!, refreshed.RefreshToken!);
        revoked.StatusCode.ShouldBe(HttpStatusCode.OK, revoked.Body);

        var afterRevoke = await _driver.RefreshAsync(client.ClientId!, refreshed.RefreshToken!);
        afterRevoke.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        afterRevoke.Error.ShouldBe("invalid_grant");
        afterRevoke.ErrorDescription.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task SelectedScopes_AreSubmittedInsteadOfThePreCheckedOnes()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri]);
        var pkce = Pkce.Create();

        var result = await _driver.SignInAndApproveAsync(
            client.ClientId!, RedirectUri, ["tag:web", "tag:db"], pkce, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, selectedScopes: ["tag:db"]);
        var tokens = await _driver.ExchangeCodeAsync(client.ClientId!, result.Redirect.Code!, RedirectUri, pkce.Verifier);

        tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);
        tokens.Scope!.Split(' ').ShouldNotContain("tag:web");
        tokens.Scope!.Split(' ').ShouldContain("tag:db");
    }

    [Fact]
    public async Task Deny_RedirectsWithAccessDenied()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri]);

        var result = await _driver.AuthorizeAsync(
            client.ClientId!, RedirectUri, ["tag:web"], null, "st-2", Pkce.Create(), AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, ConsentDecision.Deny);

        result.Redirect.Error.ShouldBe("access_denied");
        result.Redirect.State.ShouldBe("st-2");
        result.Redirect.Iss.ShouldBe(Base + "/");
        result.Redirect.Code.ShouldBeNull();
    }

    [Fact]
    public async Task WrongPassword_ThrowsSignInFailed()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri]);

        var error = await Should.ThrowAsync<OAuthFlowException>(() =>
            _driver.SignInAndApproveAsync(client.ClientId!, RedirectUri, ["tag:web"], Pkce.Create(), AuthGatewayFixture.Member, "wrong"));

        error.Message.ShouldContain("Sign-in as 'bob' failed");
        error.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        error.Body.ShouldNotBeNull().ShouldContain("The user name or password is not right.");
    }

    [Fact]
    public async Task UnknownClient_ThrowsWithTheStatus()
    {
        var error = await Should.ThrowAsync<OAuthFlowException>(() =>
            _driver.SignInAndApproveAsync("nobody", RedirectUri, ["tag:web"], Pkce.Create(), AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword));

        error.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        error.Message.ShouldStartWith("authorize: 400");
    }

    [Fact]
    public async Task ExchangeWithTheWrongVerifier_ReturnsTheErrorWithoutThrowing()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri]);
        var result = await _driver.SignInAndApproveAsync(client.ClientId!, RedirectUri, ["tag:web"], Pkce.Create(), AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);

        var tokens = await _driver.ExchangeCodeAsync(client.ClientId!, result.Redirect.Code!, RedirectUri, Pkce.Create().Verifier);

        tokens.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        tokens.IsSuccess.ShouldBeFalse();
        tokens.Error.ShouldBe("invalid_grant");
        tokens.AccessToken.ShouldBeNull();
    }

    [Fact]
    public async Task RegisterWithoutRedirectUris_ReturnsTheError()
    {
        var client = await _driver.RegisterClientAsync([]);

        client.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        client.Error.ShouldBe("invalid_redirect_uri");
        client.ClientId.ShouldBeNull();
    }
}
