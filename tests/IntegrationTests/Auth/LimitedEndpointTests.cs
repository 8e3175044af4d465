using OneMcp.Infrastructure.Identity;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>Which rate-limited endpoint a request path spells (the limiter's key), without a gateway.</summary>
public sealed class LimitedEndpointTests
{
    [Theory]
    [InlineData("/token", "/token")]
    [InlineData("/TOKEN/", "/token")]
    [InlineData("/token//", "/token")]
    [InlineData("//token", "/token")]
    [InlineData("/token%2F", "/token")]
    [InlineData("/%6Cogin", "/login")]
    [InlineData("/Login/", "/login")]
    [InlineData("/register", "/register")]
    [InlineData("/authorize/", "/authorize")]
    [InlineData("/revoke", "/revoke")]
    public void LimitedEndpoint_WhenThePathSpellsAnEndpoint_ReturnsThatEndpoint(string path, string endpoint) =>
        PerAddressRateLimits.LimitedEndpoint(path).ShouldBe(endpoint);

    [Theory]
    [InlineData("/mcp")]
    [InlineData("/tokens")]
    [InlineData("/token/x")]
    [InlineData("/to/ken")]
    [InlineData("/logout")]
    [InlineData("/")]
    [InlineData("")]
    [InlineData(null)]
    public void LimitedEndpoint_WhenThePathIsNoLimitedEndpoint_ReturnsNull(string? path) =>
        PerAddressRateLimits.LimitedEndpoint(path).ShouldBeNull();
}
