using OneMcp.Application.Security;

namespace OneMcp.UnitTests.Security;

/// <summary>The DNS-rebinding rules on a browser's Origin header (the Host rules are exercised through the guard).</summary>
public sealed class HostPolicyTests
{
    private const int Port = 3050;

    [Theory]
    [InlineData("https://gw.example.com", true)]
    [InlineData("https://gw.example.com:443", true)]
    [InlineData("http://gw.example.com", false)]
    [InlineData("https://gw.example.com:8443", false)]
    [InlineData("https://evil.example", false)]
    [InlineData("http://localhost:3050", true)]
    [InlineData("http://127.0.0.1:3050", true)]
    [InlineData("http://localhost:5173", false)]
    [InlineData("https://localhost:3050", false)]
    public void IsAllowedOrigin_BehindAnExternalUrl_ComparesSchemeHostAndPort(string origin, bool allowed)
    {
        var policy = new HostPolicy("127.0.0.1", new Uri("https://gw.example.com"));

        policy.IsAllowedOrigin([origin], localPort: Port).ShouldBe(allowed);
    }

    [Theory]
    [InlineData("http://localhost:3050", true)]
    [InlineData("http://[::1]:3050", true)]
    [InlineData("http://localhost:3051", false)]
    [InlineData("http://localhost", false)]
    [InlineData("https://localhost:3050", false)]
    [InlineData("http://user@localhost:3050", false)]
    public void IsAllowedOrigin_OnLoopback_NeedsTheSameSchemeAndPort(string origin, bool allowed)
    {
        var policy = new HostPolicy("127.0.0.1", externalUrl: null);

        policy.IsAllowedOrigin([origin], localPort: Port).ShouldBe(allowed);
    }
}
