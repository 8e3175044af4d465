using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// The SDK ends a session it has seen no request in for its idle timeout. Calls the gateway answers itself (ADR 0038)
/// pass the SDK by, so one call in an interval goes the SDK's way: a session used only for calls stays open, as it did
/// when the SDK answered every call. The gateway under test has an idle timeout of 4 s (a call in each second goes to the
/// SDK, so only a stall of seconds on a loaded machine could fail it); the SDK looks every 5 s.
/// </summary>
public sealed class SessionCallsIdleTests : IAsyncLifetime
{
    private readonly SessionCallsTests.Probe _probe = new();
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            configureBuilder: builder =>
            {
                builder.Services.AddSingleton<IStartupFilter>(_probe);
#pragma warning disable MCP9006 // Sessions' idle timeout is what is tested.
                builder.Services.PostConfigure<HttpServerTransportOptions>(options => options.IdleTimeout = TimeSpan.FromSeconds(4));
#pragma warning restore MCP9006
            });

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    [Fact]
    public async Task ASessionUsedOnlyForCalls_OutlivesTheIdleTimeout_WhileAnIdleOneEnds()
    {
        using var idle = await SessionCallsTests.Session.OpenAsync(_gateway.Url("/mcp"), "{}", _probe);
        using var busy = await SessionCallsTests.Session.OpenAsync(_gateway.Url("/mcp"), "{}", _probe);
        var body = SessionCallsTests.Message("tools/call", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", id: 1).ToJsonString();

        // Past the SDK's first look after the unused session's 4 s, whenever it comes (every 5 s).
        var (byGateway, bySdk) = (0, 0);
        var until = DateTime.UtcNow.AddSeconds(11);
        while (DateTime.UtcNow < until)
        {
            var answer = await busy.SendAsync(body);
            answer.Status.ShouldBe(HttpStatusCode.OK, "the session stays open while it is used");
            answer.Events.Single()["result"].ShouldNotBeNull();
            _ = answer.SdkServed ? bySdk++ : byGateway++;
            await Task.Delay(100);
        }

        (await idle.SendAsync(body)).Status.ShouldBe(HttpStatusCode.NotFound, "the SDK ended the session nobody used");
        byGateway.ShouldBeGreaterThan(bySdk, "most calls are answered by the gateway");
        bySdk.ShouldBeGreaterThan(0, "one call in each interval goes the SDK's way");
    }
}
