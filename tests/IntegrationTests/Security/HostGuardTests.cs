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

    private static DefaultHttpContext Request(string host, string peer)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = host;
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Connection.LocalPort = Port;
        return context;
    }
}
