using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Every REST action, found from the gateway's own routes (so a new endpoint cannot slip through unclassified):
/// refused without a session, refused to a member where the admin role is needed, and refused to the cookie
/// without the anti-forgery token; and nothing any refusal touched has changed.
/// </summary>
public sealed class EndpointAccessTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    // What members may do besides reading: revoke their own grants (another's answers 404), and their own connections.
    private static readonly HashSet<string> MemberActions =
    [
        "DELETE /api/grants/{id}",
        "PUT /api/me/connections/{backend}/secrets", "POST /api/me/connections/{backend}/oauth/authorize", "DELETE /api/me/connections/{backend}",
    ];

    // Reads that still need the admin role.
    private static readonly HashSet<string> AdminReads = ["GET /api/users", "GET /api/authorization-requests", "GET /api/connections"];

    [Fact]
    public async Task EveryApiEndpoint_WithoutASession_Is401()
    {
        using var anonymous = DashboardClient.Open(fixture.Gateway.BaseUrl);

        foreach (var (method, pattern) in ApiEndpoints())
        {
            using var response = await anonymous.SendAsync(Request(method, pattern));
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{method} {pattern}");
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", $"{method} {pattern}");
        }
    }

    [Fact]
    public async Task EveryAdminEndpoint_WithAMemberSession_Is403()
    {
        using var member = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        var before = await SnapshotAsync();

        var adminOnly = ApiEndpoints().Where(e => IsAdminOnly(e.Method, e.Pattern)).ToList();
        foreach (var (method, pattern) in adminOnly)
        {
            using var response = await member.SendAsync(Request(method, pattern));
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {pattern}");
        }

        adminOnly.Count.ShouldBeGreaterThan(15);
        (await SnapshotAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task EveryUnsafeEndpoint_WithTheCookieButNoCsrfToken_Is403()
    {
        using var admin = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.BaseUrl };
        using var login = await admin.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", AuthGatewayFixture.Admin), KeyValuePair.Create("password", AuthGatewayFixture.AdminPassword)]));
        login.StatusCode.ShouldBe(HttpStatusCode.Found);
        var before = await SnapshotAsync();

        foreach (var (method, pattern) in ApiEndpoints().Where(e => e.Method != "GET"))
        {
            using var response = await admin.SendAsync(Request(method, pattern));
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {pattern}");
            (await response.Content.ReadAsStringAsync()).ShouldContain("X-CSRF-Token", customMessage: $"{method} {pattern}");
        }

        (await SnapshotAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task DashboardAndBackendCallback_WithoutASession_SendTheBrowserToSignIn()
    {
        using var anonymous = DashboardClient.Open(fixture.Gateway.BaseUrl);

        using var dashboard = await anonymous.GetAsync("/oauth");
        using var callback = await anonymous.GetAsync("/oauth/callback/alpha?code=c&state=s");

        dashboard.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        dashboard.Headers.Location!.OriginalString.ShouldStartWith("/login");
        callback.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        callback.Headers.Location!.OriginalString.ShouldStartWith("/login");
    }

    private static bool IsAdminOnly(string method, string pattern)
    {
        var key = $"{method} {pattern}";
        return method == "GET" ? AdminReads.Contains(key) : !MemberActions.Contains(key);
    }

    private List<(string Method, string Pattern)> ApiEndpoints()
    {
        var endpoints = fixture.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, e.RoutePattern.RawText!)))
            .Where(e => e.Item2 != "/api/session")
            .Distinct()
            .ToList();
        endpoints.Count.ShouldBeGreaterThan(20, "the REST API's routes were not found");
        return endpoints;
    }

    private static HttpRequestMessage Request(string method, string pattern)
    {
        var path = pattern
            .Replace("{id:guid}", Guid.NewGuid().ToString("D"), StringComparison.Ordinal)
            .Replace("{id}", Guid.NewGuid().ToString("D"), StringComparison.Ordinal)
            .Replace("{name}", "alpha", StringComparison.Ordinal)
            .Replace("{tag}", "web", StringComparison.Ordinal)
            .Replace("{backend}", "alpha", StringComparison.Ordinal)
            .Replace("{user}", AuthGatewayFixture.Member, StringComparison.Ordinal);
        path.ShouldNotContain("{", customMessage: $"a route parameter of {pattern} has no test value");
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("""{"name":"gamma","url":"http://127.0.0.1:1/mcp"}""", Encoding.UTF8, "application/json");
        }

        return request;
    }

    // What an action could have changed: backends, presets, users, tag scopes.
    private async Task<string> SnapshotAsync()
    {
        using var admin = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        var parts = new List<string>();
        foreach (var path in new[] { "/api/backends", "/api/presets", "/api/users", "/api/tag-scopes" })
        {
            var body = await admin.GetStringAsync(path);
            parts.Add(System.Text.RegularExpressions.Regex.Replace(body, "\"(lastConnectedAt|tools|restarts)\":[^,}]*", string.Empty));
        }

        return string.Join('\n', parts);
    }
}
