using System.Net;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>The driver against <see cref="FakeAuthorizationServer"/>: proves the driver, not the gateway.</summary>
public sealed class OAuthFlowDriverTests : IAsyncLifetime
{
    private const string RedirectUri = "http://127.0.0.1:1/callback";
    private FakeAuthorizationServer _server = null!;
    private OAuthFlowDriver _driver = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeAuthorizationServer.StartAsync();
        _driver = new OAuthFlowDriver(_server.BaseUrl);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task FullFlow_RegisterSignInApproveExchangeRefreshRevoke()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri], clientName: "driver test");
        client.StatusCode.ShouldBe(HttpStatusCode.Created);
        client.ClientId.ShouldNotBeNullOrEmpty();
        client.ClientSecret.ShouldBeNull();
        var pkce = Pkce.Create();

        var result = await _driver.AuthorizeAsync(client.ClientId!, RedirectUri, ["tag:web", "tag:db"], "http://gw/mcp", "st-1", pkce, FakeAuthorizationServer.UserName, FakeAuthorizationServer.Password);

        result.OfferedScopes.Select(s => (s.Value, s.Checked)).ShouldBe(new[] { ("tag:web", true), ("tag:db", false) });
        result.Redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(RedirectUri);
        result.Redirect.State.ShouldBe("st-1");
        result.Redirect.Iss.ShouldBe(_server.BaseUrl.AbsoluteUri);
        result.Redirect.Error.ShouldBeNull();
        result.Redirect.Code.ShouldNotBeNullOrEmpty();

        var tokens = await _driver.ExchangeCodeAsync(client.ClientId!, result.Redirect.Code!, RedirectUri, pkce.Verifier, resource: "http://gw/mcp");
        tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);
        tokens.IsSuccess.ShouldBeTrue();
        tokens.AccessToken.ShouldNotBeNullOrEmpty();
        tokens.TokenType.ShouldBe("Bearer");
        tokens.ExpiresIn.ShouldBe(3600);
        tokens.Scope.ShouldBe("tag:web");

        var refreshed = await _driver.RefreshAsync(client.ClientId!, tokens.RefreshToken!);
        refreshed.StatusCode.ShouldBe(HttpStatusCode.OK, refreshed.Body);
        refreshed.AccessToken.ShouldNotBe(tokens.AccessToken);

        var revoked = await _driver.RevokeAsync(client.ClientId!, refreshed.RefreshToken!);
        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);

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

        var result = await _driver.SignInAndApproveAsync(client.ClientId!, RedirectUri, ["tag:web", "tag:db"], pkce, FakeAuthorizationServer.UserName, FakeAuthorizationServer.Password, selectedScopes: ["tag:db"]);
        var tokens = await _driver.ExchangeCodeAsync(client.ClientId!, result.Redirect.Code!, RedirectUri, pkce.Verifier);

        tokens.Scope.ShouldBe("tag:db");
    }

    [Fact]
    public async Task Deny_RedirectsWithAccessDenied()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri]);

        var result = await _driver.AuthorizeAsync(client.ClientId!, RedirectUri, ["tag:web"], null, "st-2", Pkce.Create(), FakeAuthorizationServer.UserName, FakeAuthorizationServer.Password, ConsentDecision.Deny);

        result.Redirect.Error.ShouldBe("access_denied");
        result.Redirect.State.ShouldBe("st-2");
        result.Redirect.Code.ShouldBeNull();
    }

    [Fact]
    public async Task WrongPassword_ThrowsSignInFailed()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri]);

        var error = await Should.ThrowAsync<OAuthFlowException>(() =>
            _driver.SignInAndApproveAsync(client.ClientId!, RedirectUri, ["tag:web"], Pkce.Create(), FakeAuthorizationServer.UserName, "wrong"));

        error.Message.ShouldContain("Sign-in as 'ada' failed");
    }

    [Fact]
    public async Task UnknownClient_ThrowsWithTheStatus()
    {
        var error = await Should.ThrowAsync<OAuthFlowException>(() =>
            _driver.SignInAndApproveAsync("nobody", RedirectUri, ["tag:web"], Pkce.Create(), FakeAuthorizationServer.UserName, FakeAuthorizationServer.Password));

        error.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ExchangeWithTheWrongVerifier_ReturnsTheErrorWithoutThrowing()
    {
        var client = await _driver.RegisterClientAsync([RedirectUri]);
        var result = await _driver.SignInAndApproveAsync(client.ClientId!, RedirectUri, ["tag:web"], Pkce.Create(), FakeAuthorizationServer.UserName, FakeAuthorizationServer.Password);

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
