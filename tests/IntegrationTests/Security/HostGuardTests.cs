using System.Net;
using Microsoft.AspNetCore.Http;
using OneMcp.Api.Security;

namespace OneMcp.IntegrationTests.Security;

/// <summary>The DNS-rebinding guard's rules, on requests whose peer address and port are set by the test.</summary>
public sealed class HostGuardTests
{
    private const int Port = 3050;

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("192.168.1.20")]
    [InlineData("::ffff:198.51.100.4")]
    [InlineData("2001:db8::1")]
    public void Refusal_WhenANetworkPeerSendsALoopbackHostName_RefusesIt(string peer)
    {
        var guard = new HostGuard("0.0.0.0", externalUrl: null);

        foreach (var host in new[] { "localhost", "127.0.0.1", "[::1]" })
        {
            guard.Refusal(Request($"{host}:{Port}", peer)).ShouldNotBeNull(host).ShouldContain("host");
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Refusal_WhenALoopbackPeerSendsALoopbackHostName_Serves(string peer)
    {
        var guard = new HostGuard("0.0.0.0", externalUrl: null);

        guard.Refusal(Request($"localhost:{Port}", peer)).ShouldBeNull();
    }

    [Fact]
    public void Refusal_WhenANetworkPeerNamesTheExternalHost_Serves()
    {
        var guard = new HostGuard("0.0.0.0", new Uri("https://gw.example.com"));

        guard.Refusal(Request("gw.example.com", "203.0.113.7")).ShouldBeNull();
        guard.Refusal(Request("localhost", "203.0.113.7")).ShouldNotBeNull();
    }

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
        var guard = new HostGuard("127.0.0.1", new Uri("https://gw.example.com"));

        guard.IsAllowedOrigin(origin, localPort: Port).ShouldBe(allowed);
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
        var guard = new HostGuard("127.0.0.1", externalUrl: null);

        guard.IsAllowedOrigin(origin, localPort: Port).ShouldBe(allowed);
    }

    private static DefaultHttpContext Request(string host, string peer)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = host;
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Connection.LocalPort = Port;
        return context;
    }
}
