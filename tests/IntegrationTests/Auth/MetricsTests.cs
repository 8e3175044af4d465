using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using ModelContextProtocol.Client;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// <c>--metrics</c> (DESIGN §9): Prometheus text at <c>/metrics</c> counts every forwarded request by method, backend
/// and outcome with a duration histogram, and with auth on answers only an <c>onemcp:admin</c> token or the metrics token.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private const string RedirectUri = "http://127.0.0.1:45562/cb";
    private const string MetricsToken = "scrape-me-7f3a9c";
    private const string Admin = "ada";
    private const string AdminPassword = "correct horse battery staple";
    private const string Member = "bob";
    private const string MemberPassword = "tr0ub4dor&3 is long enough";

    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            adjust: o => o with { Metrics = true, MetricsToken = MetricsToken });
        await _gateway.AddUserAsync(Admin, AdminPassword, "admin");
        await _gateway.AddUserAsync(Member, MemberPassword, "member");
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Metrics_AfterCallsOfTwoUsers_CountEveryRequestAndBucketItsDuration()
    {
        var adminToken = await TokenAsync(Admin, AdminPassword, ["onemcp:admin"]);
        var memberToken = await TokenAsync(Member, MemberPassword, []);
        await using var ada = await ConnectAsync(adminToken);
        await using var bob = await ConnectAsync(memberToken);
        for (var i = 0; i < 3; i++)
        {
            await ada.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "hi" });
        }

        for (var i = 0; i < 2; i++)
        {
            await bob.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "hi" });
        }

        await bob.CallToolAsync("alpha_1mcp_fail");

        using var scrape = Bearer(MetricsToken);
        using var response = await scrape.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        var samples = Parse(text);
        const string Ok = "backend=\"alpha\",method=\"tools/call\",outcome=\"ok\"";
        samples[$"onemcp_requests_total{{{Ok}}}"].ShouldBe(5);
        samples["onemcp_requests_total{backend=\"alpha\",method=\"tools/call\",outcome=\"tool_error\"}"].ShouldBe(1);
        samples[$"onemcp_request_duration_seconds_count{{{Ok}}}"].ShouldBe(5);
        samples[$"onemcp_request_duration_seconds_bucket{{{Ok},le=\"+Inf\"}}"].ShouldBe(5);
        samples[$"onemcp_request_duration_seconds_sum{{{Ok}}}"].ShouldBeGreaterThan(0);
        var buckets = samples.Where(s => s.Key.StartsWith($"onemcp_request_duration_seconds_bucket{{{Ok},", StringComparison.Ordinal))
            .OrderBy(s => Bound(s.Key)).Select(s => s.Value).ToList();
        buckets.Count.ShouldBeGreaterThan(5);
        buckets.ShouldBe(buckets.Order().ToList());
        samples["onemcp_backend_up{backend=\"alpha\"}"].ShouldBe(1);
        samples["onemcp_sessions_active"].ShouldBe(2);
        samples["onemcp_tokens_issued_total{grant_type=\"authorization_code\"}"].ShouldBe(2);
        text.ShouldContain("# TYPE onemcp_request_duration_seconds histogram");
        text.ShouldContain("# TYPE onemcp_requests_total counter");
        text.ShouldNotContain("hi\"");
    }

    [Fact]
    public async Task Metrics_WithAuthOn_RefuseNoTokenAWrongOneAndATokenWithoutTheAdminScope()
    {
        var member = await TokenAsync(Member, MemberPassword, []);
        var adminWithoutScope = await TokenAsync(Admin, AdminPassword, []);
        var admin = await TokenAsync(Admin, AdminPassword, ["onemcp:admin"]);

        using var anonymous = new HttpClient { BaseAddress = _gateway.BaseUrl };
        using var wrong = Bearer(MetricsToken + "x");
        using var memberClient = Bearer(member);
        using var adminWithoutScopeClient = Bearer(adminWithoutScope);
        using var adminClient = Bearer(admin);
        using var none = await anonymous.GetAsync("/metrics");
        using var wrongAnswer = await wrong.GetAsync("/metrics");
        using var memberAnswer = await memberClient.GetAsync("/metrics");
        using var unscopedAnswer = await adminWithoutScopeClient.GetAsync("/metrics");
        using var adminAnswer = await adminClient.GetAsync("/metrics");

        none.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        wrongAnswer.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        memberAnswer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        unscopedAnswer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        unscopedAnswer.Headers.WwwAuthenticate.ToString().ShouldContain("scope=\"onemcp:admin\"");
        adminAnswer.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await adminAnswer.Content.ReadAsStringAsync()).ShouldContain("onemcp_sessions_active");
    }

    [Fact]
    public async Task Metrics_AfterABearerIsRefused_CountTheRefusal()
    {
        using var forged = Bearer("not-a-token-of-this-gateway");
        using var refused = await forged.GetAsync("/api/backends");
        using var scrape = Bearer(MetricsToken);

        var samples = Parse(await scrape.GetStringAsync("/metrics"));

        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        samples["onemcp_tokens_refused_total{where=\"bearer\"}"].ShouldBe(1);
    }

    private static double Bound(string key)
    {
        var le = key[(key.IndexOf("le=\"", StringComparison.Ordinal) + 4)..key.LastIndexOf('"')];
        return le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
    }

    /// <summary>Each sample line as "name{labels}" → value; comments skipped.</summary>
    private static Dictionary<string, double> Parse(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => (Key: l[..l.LastIndexOf(' ')], Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
            .ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);

    private async Task<McpClient> ConnectAsync(string token) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _gateway.Url("/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });

    private async Task<string> TokenAsync(string user, string password, string[] scopes)
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri], grantTypes: ["authorization_code", "refresh_token"])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, scopes, pkce, user, password, selectedScopes: scopes)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return tokens.AccessToken!;
    }

    private HttpClient Bearer(string token)
    {
        var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
