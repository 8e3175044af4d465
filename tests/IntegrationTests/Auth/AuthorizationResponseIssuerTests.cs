using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>RFC 9207: every authorization response names its issuer, so a client can tell which server answered.</summary>
public sealed class AuthorizationResponseIssuerTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    // Never fetched: the driver captures the redirect to it without following it.
    private const string RedirectUri = "http://127.0.0.1:1/callback";

    private readonly OAuthFlowDriver _driver = new(fixture.Gateway.BaseUrl);

    private string Issuer => fixture.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/') + "/";

    [Theory]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/openid-configuration")]
    public async Task ServerMetadata_SaysAuthorizationResponsesCarryIss(string path)
    {
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };

        var document = (await http.GetFromJsonAsync<JsonObject>(path))!;

        document["authorization_response_iss_parameter_supported"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task ApprovedRequest_RedirectsWithTheCodeAndTheIssuer()
    {
        var client = await RegisterAsync();

        var result = await _driver.AuthorizeAsync(client, RedirectUri, ["tag:web"], null, "ok", Pkce.Create(), AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);

        result.Redirect.Code.ShouldNotBeNullOrEmpty();
        result.Redirect.Iss.ShouldBe(Issuer);
    }

    [Fact]
    public async Task DeniedRequest_RedirectsWithAccessDeniedAndTheIssuer()
    {
        var client = await RegisterAsync();

        var result = await _driver.AuthorizeAsync(
            client, RedirectUri, ["tag:web"], null, "no", Pkce.Create(), AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, ConsentDecision.Deny);

        result.Redirect.Error.ShouldBe("access_denied");
        result.Redirect.State.ShouldBe("no");
        result.Redirect.Iss.ShouldBe(Issuer);
    }

    [Fact]
    public async Task ErrorFoundBeforeConsent_RedirectsWithTheIssuerToo()
    {
        var client = await RegisterAsync();

        var result = await _driver.AuthorizeAsync(client, RedirectUri, ["tag:nope"], null, "bad", Pkce.Create(), AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);

        result.Redirect.Error.ShouldBe("invalid_scope");
        result.Redirect.Iss.ShouldBe(Issuer);
    }

    private async Task<string> RegisterAsync()
    {
        var registration = await _driver.RegisterClientAsync([RedirectUri], clientName: "iss tests");
        registration.ClientId.ShouldNotBeNull(registration.Body);
        return registration.ClientId;
    }
}
