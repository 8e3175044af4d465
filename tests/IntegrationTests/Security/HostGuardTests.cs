using System.Net;
using Microsoft.AspNetCore.Http;
using OneMcp.Api.Security;

namespace OneMcp.IntegrationTests.Security;

/// <summary>The DNS-rebinding guard's rules, on requests whose peer address and port are set by the test.</summary>
public sealed class HostGuardTests
{
    private const int Port = 3050;
    private const string ForeignOrigin = "http://localhost:6274";

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
    [InlineData("/token")]
    [InlineData("/register")]
    [InlineData("/revoke")]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/oauth-protected-resource/mcp")]
    public void Refusal_WhenTheOAuthEndpointsAreOpen_ServesAForeignOriginThereButStillChecksTheHost(string path)
    {
        var guard = new HostGuard("127.0.0.1", externalUrl: null, openOAuthEndpoints: true);

        guard.Refusal(Request($"localhost:{Port}", "127.0.0.1", ForeignOrigin, path)).ShouldBeNull();
        guard.Refusal(Request("rebound.example.com", "127.0.0.1", ForeignOrigin, path)).ShouldNotBeNull().ShouldContain("host");
    }

    [Theory]
    [InlineData("/authorize")]
    [InlineData("/login")]
    [InlineData("/oauth")]
    [InlineData("/api/backends")]
    [InlineData("/mcp")]
    [InlineData("/tokens")]
    public void Refusal_WhenTheOAuthEndpointsAreOpen_StillRefusesAForeignOriginEverywhereElse(string path)
    {
        var guard = new HostGuard("127.0.0.1", externalUrl: null, openOAuthEndpoints: true);

        guard.Refusal(Request($"localhost:{Port}", "127.0.0.1", ForeignOrigin, path)).ShouldNotBeNull().ShouldContain("origin");
    }

    [Fact]
    public void Refusal_WhenAuthenticationIsOff_RefusesAForeignOriginOnTheOAuthPathsToo()
    {
        var guard = new HostGuard("127.0.0.1", externalUrl: null);

        guard.Refusal(Request($"localhost:{Port}", "127.0.0.1", ForeignOrigin, "/token")).ShouldNotBeNull().ShouldContain("origin");
    }

    private static DefaultHttpContext Request(string host, string peer, string? origin = null, string path = "/")
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = host;
        context.Request.Path = path;
        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }

        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Connection.LocalPort = Port;
        return context;
    }
}
