using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json.Nodes;
using OneMcp.Api.Health;
using OneMcp.IntegrationTests.Support.OAuth;
using OpenIddict.Abstractions;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// What a member and an anonymous caller learn about the backends under --enable-auth: members see names,
/// transport, tags and status, never how a backend is started; /health without credentials says only the
/// status and counts.
/// </summary>
public sealed class ExposureToMembersTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    private const string RedirectUri = "http://127.0.0.1:45556/cb";
    private const string Secret = "s3cret";

    [Fact]
    public async Task ListBackends_AsAMember_HidesCommandArgsCwdAndUrlQuery()
    {
        var (stdio, http) = await AddLeakyBackendsAsync();
        using var cookie = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        using var bearer = await BearerClientAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

        foreach (var member in new[] { cookie, bearer })
        {
            var listText = await member.GetStringAsync("/api/backends");
            var oneText = await member.GetStringAsync($"/api/backends/{stdio}");
            var httpText = await member.GetStringAsync($"/api/backends/{http}");

            listText.ShouldNotContain(Secret);
            oneText.ShouldNotContain(Secret);
            httpText.ShouldNotContain(Secret);
            var listed = JsonNode.Parse(listText)!.AsArray().Single(b => b!["name"]!.GetValue<string>() == stdio)!;
            listed["type"]!.GetValue<string>().ShouldBe("stdio");
            listed["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["web"]);
            listed["runtime"]!["status"].ShouldNotBeNull();
            listed["command"].ShouldBeNull();
            listed["args"]!.AsArray().ShouldBeEmpty();
            listed["cwd"].ShouldBeNull();
            listed["env"]!.AsObject().ShouldBeEmpty();
            JsonNode.Parse(httpText)!["url"]!.GetValue<string>().ShouldBe("http://127.0.0.1:9/mcp");
            JsonNode.Parse(httpText)!["headers"]!.AsObject().ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task ListBackends_AsAnAdmin_ShowsTheDefinitionButNeverEnvOrHeaderValues()
    {
        var (stdio, http) = await AddLeakyBackendsAsync();
        using var admin = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);

        var listText = await admin.GetStringAsync("/api/backends");

        listText.ShouldNotContain("s3cret-env");
        listText.ShouldNotContain("s3cret-header");
        var backends = JsonNode.Parse(listText)!.AsArray();
        var one = backends.Single(b => b!["name"]!.GetValue<string>() == stdio)!;
        one["command"]!.GetValue<string>().ShouldBe("dotnet");
        one["args"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldContain("--api-key=s3cret-arg");
        one["cwd"]!.GetValue<string>().ShouldBe("/srv/s3cret-dir");
        one["env"]!["API_TOKEN"]!.GetValue<string>().ShouldBe("********");
        var other = backends.Single(b => b!["name"]!.GetValue<string>() == http)!;
        other["url"]!.GetValue<string>().ShouldContain("?token=s3cret-query");
        other["headers"]!["X-Api-Key"]!.GetValue<string>().ShouldBe("********");
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Health_WithoutCredentials_SaysOnlyStatusAndCounts(string path)
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };

        using var response = await anonymous.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldNotContain("alpha");
        text.ShouldNotContain("beta");
        var report = JsonNode.Parse(text)!.AsObject();
        report.ContainsKey("backends").ShouldBeFalse();
        report["status"].ShouldNotBeNull();
        report["backendCounts"]!["connected"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(2);
        report["backendCounts"]!["total"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Health_WithATokenWithoutTheAdminScopeOrAnInvalidOne_SaysOnlyCounts()
    {
        using var member = await BearerClientAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        using var forged = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        foreach (var client in new[] { member, forged })
        {
            using var response = await client.GetAsync("/health");

            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject().ContainsKey("backends").ShouldBeFalse();
        }
    }

    [Fact]
    public async Task Health_WithTheSignInCookie_ListsEveryBackend()
    {
        using var member = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

        var report = JsonNode.Parse(await member.GetStringAsync("/health"))!;

        report["backends"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()).ShouldContain("alpha");
        report["backends"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()).ShouldContain("beta");
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Health_WithTheSignInCookie_IsKeptByNoCache(string path)
    {
        // A signed-in user (an administrator: every backend with its raw error) and an anonymous monitor ask the same URL:
        // a browser's or a proxy's cache must not keep the first answer for the next caller.
        using var admin = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);

        using var response = await admin.GetAsync(path);

        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject().ContainsKey("backends").ShouldBeTrue();
        response.Headers.CacheControl.ShouldNotBeNull().NoStore.ShouldBeTrue();
    }

    [Fact]
    public async Task Health_WithAMembersSignInCookie_CutsTheCommandLineOutOfBackendErrors()
    {
        // A server that fails with its argument on stderr, as servers do ("bad option: --api-key=..."): the error quotes it.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var name = "failing-" + suffix;
        var argument = "s3cret-arg-" + suffix;
        using var admin = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        var entry = new JsonObject
        {
            ["name"] = name,
            ["command"] = "node",
            ["args"] = new JsonArray("-e", "process.stderr.write('cannot use ' + process.argv[1], () => process.exit(3))", argument),
            ["tags"] = new JsonArray("web"),
        };
        using (var created = await admin.PostAsJsonAsync("/api/backends", entry))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        try
        {
            await Support.Eventually.ValueAsync(
                () => admin.GetStringAsync("/health"), text => text.Contains("cannot use " + argument, StringComparison.Ordinal), "the start failure in /health");
            using var member = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

            var health = await member.GetStringAsync("/health");
            var listed = await member.GetStringAsync("/api/backends");

            health.ShouldNotContain(argument);
            listed.ShouldNotContain(argument);
            var failing = JsonNode.Parse(health)!["backends"]!.AsArray().Single(b => b!["name"]!.GetValue<string>() == name)!;
            failing["error"]!.GetValue<string>().ShouldContain("cannot use ********");
            using var ready = await member.GetAsync("/health/ready");
            (await ready.Content.ReadAsStringAsync()).ShouldNotContain(argument);
            (await admin.GetStringAsync("/health")).ShouldContain(argument);
        }
        finally
        {
            (await admin.DeleteAsync($"/api/backends/{name}")).Dispose();
        }
    }

    [Fact]
    public void IsAdminToken_OnlyWithTheAdminScope_IsTrue()
    {
        static ClaimsPrincipal Token(params string[] scopes)
        {
            var identity = new ClaimsIdentity("Bearer");
            identity.SetScopes(scopes);
            return new ClaimsPrincipal(identity);
        }

        HealthEndpoints.IsAdminToken(Token("tag:web", "onemcp:admin")).ShouldBeTrue();
        HealthEndpoints.IsAdminToken(Token("tag:web")).ShouldBeFalse();
        HealthEndpoints.IsAdminToken(null).ShouldBeFalse();
    }

    private async Task<(string Stdio, string Http)> AddLeakyBackendsAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        using var admin = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        var stdio = "leaky-" + suffix;
        var http = "leakyhttp-" + suffix;
        using var one = await admin.PostAsJsonAsync("/api/backends", new JsonObject
        {
            ["name"] = stdio,
            ["command"] = "dotnet",
            ["args"] = new JsonArray("server.dll", "--api-key=s3cret-arg"),
            ["cwd"] = "/srv/s3cret-dir",
            ["env"] = new JsonObject { ["API_TOKEN"] = "s3cret-env" },
            ["tags"] = new JsonArray("web"),
        });
        one.StatusCode.ShouldBe(HttpStatusCode.Created, await one.Content.ReadAsStringAsync());
        using var two = await admin.PostAsJsonAsync("/api/backends", new JsonObject
        {
            ["name"] = http,
            ["url"] = "http://127.0.0.1:9/mcp?token=s3cret-query",
            ["headers"] = new JsonObject { ["X-Api-Key"] = "s3cret-header" },
            ["tags"] = new JsonArray("web"),
        });
        two.StatusCode.ShouldBe(HttpStatusCode.Created, await two.Content.ReadAsStringAsync());
        return (stdio, http);
    }

    private async Task<HttpClient> BearerClientAsync(string user, string password)
    {
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, ["tag:web"], pkce, user, password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return http;
    }
}
