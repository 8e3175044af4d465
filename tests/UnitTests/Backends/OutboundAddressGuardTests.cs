using System.Net;
using System.Net.Sockets;
using System.Text;
using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.UnitTests.Backends;

public sealed class OutboundAddressGuardTests
{
    [Theory]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("169.254.10.1", "link-local")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("100.100.100.200", "metadata")]
    [InlineData("fd00:ec2::254", "metadata")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("::1", "loopback")]
    public void Refusal_WhenTheAddressIsAnSsrfTarget_SaysWhy(string address, string reason)
    {
        OutboundAddressGuard.Refusal(IPAddress.Parse(address), allowLoopback: false).ShouldNotBeNull().ShouldContain(reason);
    }

    [Theory]
    [InlineData("93.184.216.34", false)]
    [InlineData("10.0.0.5", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    public void Refusal_WhenTheAddressIsOrdinaryOrAllowedLoopback_IsNull(string address, bool allowLoopback)
    {
        OutboundAddressGuard.Refusal(IPAddress.Parse(address), allowLoopback).ShouldBeNull();
    }

    [Fact]
    public void Refusal_WhenLoopbackIsAllowed_StillRefusesTheMetadataAddress()
    {
        OutboundAddressGuard.Refusal(IPAddress.Parse("169.254.169.254"), allowLoopback: true).ShouldNotBeNull();
    }

    [Fact]
    public async Task ConnectAsync_WhenANameResolvesToTheMetadataAddress_RefusesBeforeConnecting()
    {
        // DNS rebinding: the name looks harmless, the address it resolves to at connection time is what counts.
        var resolved = new List<string>();
        using var http = OutboundAddressGuard.CreateClient((host, _) =>
        {
            resolved.Add(host);
            return Task.FromResult(new[] { IPAddress.Parse("169.254.169.254") });
        });

        var e = await Should.ThrowAsync<HttpRequestException>(() => http.GetAsync(new Uri("https://harmless.example/.well-known/oauth-protected-resource")));

        resolved.ShouldBe(["harmless.example"]);
        e.Message.ShouldContain("does not send OAuth requests to harmless.example");
        e.Message.ShouldContain("169.254.169.254");
    }

    [Fact]
    public async Task ConnectAsync_WhenALiteralLoopbackAddressIsNotAllowed_RefusesIt()
    {
        using var http = OutboundAddressGuard.CreateClient((_, _) => throw new InvalidOperationException("a literal needs no resolution"));

        var e = await Should.ThrowAsync<HttpRequestException>(() => http.GetAsync(new Uri("http://127.0.0.1:9/")));

        e.Message.ShouldContain("loopback");
    }

    [Fact]
    public async Task CreateClient_WhenAnAuthorizationServerSetsACookie_SendsItWithNoLaterRequest()
    {
        // One client serves every backend's and every user's OAuth requests: what one answer sets must not ride along
        // with the next one (another user's token request).
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)server.LocalEndpoint).Port}/token");
        var received = new List<string>();
        var serving = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                using var connection = await server.AcceptTcpClientAsync();
                var stream = connection.GetStream();
                received.Add(await ReadHeadAsync(stream));
                await stream.WriteAsync("HTTP/1.1 200 OK\r\nSet-Cookie: session=first-user; Path=/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
            }
        });
        using var http = OutboundAddressGuard.CreateClient();

        foreach (var _ in new[] { 1, 2 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Options.Set(OutboundAddressGuard.AllowLoopback, true);
            using var response = await http.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        await serving;
        received.Count.ShouldBe(2);
        received[1].ShouldNotContain("session=first-user");
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString();
    }
}
