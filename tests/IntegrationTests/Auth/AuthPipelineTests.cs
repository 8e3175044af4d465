using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Which requests go through ASP.NET Core's authentication middleware with <c>--enable-auth</c>. It asks OpenIddict's
/// handlers on every request whether it is one of their endpoints: the MCP endpoints, which take bearer tokens only,
/// skip it (a sixth of the gateway's CPU per tool call, docs/benchmarks.md); everything else keeps it.
/// </summary>
public sealed class AuthPipelineTests
{
    [Fact]
    public async Task McpRequests_SkipTheAuthenticationMiddleware_OtherRequestsKeepIt()
    {
        var seen = new ConcurrentDictionary<string, bool>();
        await using var gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            configureBuilder: builder => builder.Services.AddSingleton<IStartupFilter>(new AuthenticationWitness(seen)));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };

        using var mcp = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        mcp.Headers.Authorization = new("Bearer", "not-a-token");
        mcp.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var mcpResponse = await http.SendAsync(mcp);
        using var apiResponse = await http.GetAsync("/api/session");
        using var loginResponse = await http.GetAsync("/login");

        // The token is still checked (by OpenIddict's validation, through the gateway's own bearer step).
        mcpResponse.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        mcpResponse.Headers.WwwAuthenticate.ToString().ShouldContain("error=\"invalid_token\"");
        apiResponse.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        loginResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
        seen["/mcp"].ShouldBeFalse();
        seen["/api/session"].ShouldBeTrue();
        seen["/login"].ShouldBeTrue();
    }

    /// <summary>Records, for each path, whether the authentication middleware ran (it sets <see cref="IAuthenticationFeature"/>).</summary>
    private sealed class AuthenticationWitness(ConcurrentDictionary<string, bool> seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                var path = context.Request.Path.Value ?? string.Empty;
                await following(context);
                seen[path] = context.Features.Get<IAuthenticationFeature>() is not null;
            });
            next(app);
        };
    }
}
