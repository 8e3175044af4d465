using System.Net;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary><c>/metrics</c> exists only with <c>--metrics</c>; without <c>--enable-auth</c> it is open like the rest of the gateway.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_WhenNotEnabled_IsNotServed()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var http = new HttpClient();

        using var response = await http.GetAsync(gateway.Url("/metrics"));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Metrics_WhenEnabledWithoutAuth_ServesPrometheusTextWithTheBackendsState()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")), adjust: o => o with { Metrics = true });
        var client = await gateway.ConnectAsync();
        await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "secret-argument" });
        using var http = new HttpClient();

        using var response = await http.GetAsync(gateway.Url("/metrics"));
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        text.ShouldContain("onemcp_backend_up{backend=\"alpha\"} 1\n");
        text.ShouldContain("onemcp_backend_restarts_total{backend=\"alpha\"} 0\n");
        text.ShouldContain("onemcp_requests_total{backend=\"alpha\",method=\"tools/call\",outcome=\"ok\"} 1\n");
        text.ShouldContain("onemcp_sessions_active 1\n");
        text.ShouldContain("onemcp_audit_dropped_total 0\n");
        text.ShouldNotContain("secret-argument");
    }
}
