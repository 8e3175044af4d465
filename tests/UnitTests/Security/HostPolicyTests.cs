using System.Net;
using OneMcp.Application.Security;

namespace OneMcp.UnitTests.Security;

/// <summary>The DNS-rebinding rules on a browser's Origin header, and what the remembered Host verdicts must not change (the Host rules are exercised through the guard).</summary>
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

    [Fact]
    public void ALoopbackHostAllowedFromThisMachine_IsStillRefusedFromAnotherAddress()
    {
        var policy = new HostPolicy("0.0.0.0", new Uri("https://gw.example.com"));
        var remote = IPAddress.Parse("203.0.113.7");

        policy.IsAllowedHost("localhost:3050", IPAddress.Loopback).ShouldBeTrue();
        policy.IsAllowedHost("localhost:3050", remote).ShouldBeFalse();
        policy.IsAllowedHost("localhost:3050", IPAddress.Loopback).ShouldBeTrue();
        policy.IsAllowedHost("gw.example.com", remote).ShouldBeTrue();
        policy.IsAllowedHost("GW.example.com", remote).ShouldBeTrue();
    }

    [Fact]
    public void PastTheRememberedHosts_EveryHostIsStillJudged()
    {
        var policy = new HostPolicy("127.0.0.1", externalUrl: null);
        for (var i = 0; i < HostPolicy.MaxRememberedHosts * 2; i++)
        {
            policy.IsAllowedHost($"evil-{i}.example", IPAddress.Loopback).ShouldBeFalse();
        }

        policy.IsAllowedHost("127.0.0.1:3050", IPAddress.Loopback).ShouldBeTrue();
        policy.IsAllowedHost("127.0.0.1:3050", IPAddress.Parse("203.0.113.7")).ShouldBeFalse();
        policy.IsAllowedHost("evil-0.example", IPAddress.Loopback).ShouldBeFalse();
        policy.IsAllowedHost("127.0.0.1:x", IPAddress.Loopback).ShouldBeFalse();
    }
}
