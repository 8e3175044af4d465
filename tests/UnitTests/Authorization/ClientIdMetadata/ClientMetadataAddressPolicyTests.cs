using System.Net;
using OneMcp.Application.Authorization.ClientIdMetadata;

namespace OneMcp.UnitTests.Authorization.ClientIdMetadata;

public sealed class ClientMetadataAddressPolicyTests
{
    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:192.168.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    public void InternalAddresses_AreRefused_EvenWhenLoopbackIsAllowed(string address)
    {
        ClientMetadataAddressPolicy.MayConnect(IPAddress.Parse(address), allowLoopback: false).ShouldBeFalse();
        ClientMetadataAddressPolicy.MayConnect(IPAddress.Parse(address), allowLoopback: true).ShouldBeFalse();
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Loopback_IsAllowedOnlyWhenTheGatewayItselfRunsOnLoopback(string address)
    {
        ClientMetadataAddressPolicy.MayConnect(IPAddress.Parse(address), allowLoopback: false).ShouldBeFalse();
        ClientMetadataAddressPolicy.MayConnect(IPAddress.Parse(address), allowLoopback: true).ShouldBeTrue();
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.215.14")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:82a::200e")]
    [InlineData("::ffff:8.8.8.8")]
    public void PublicAddresses_AreAllowed(string address) =>
        ClientMetadataAddressPolicy.MayConnect(IPAddress.Parse(address), allowLoopback: false).ShouldBeTrue();
}
