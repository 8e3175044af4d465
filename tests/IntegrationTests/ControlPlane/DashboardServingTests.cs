using System.Net;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>The dashboard's static files as plain HTTP sees them: redirects, content types and security headers.</summary>
public sealed class DashboardServingTests
{
    private const string Csp =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly string[] Modules =
        [
            "app.js", "api.js", "dom.js", "views/backends.js", "views/requests.js", "views/clients.js", "views/tags.js", "views/presets.js",
            "views/activity.js", "views/connections.js", "views/users.js",
        ];

    [Fact]
    public async Task Dashboard_WithAuthOff_IsServedWithItsHeadersAndTheRootRedirectsToIt()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };

        using var root = await http.GetAsync("/");
        root.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        root.Headers.Location!.OriginalString.ShouldBe("/oauth");

        foreach (var path in new[] { "/oauth", "/oauth/" })
        {
            using var page = await http.GetAsync(path);
            page.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
            ShouldHaveSecurityHeaders(page);
            var html = await page.Content.ReadAsStringAsync();
            html.ShouldContain("<title>OneMcp");
            html.ShouldContain("<script type=\"module\" src=\"/oauth/app/app.js\"></script>");
            html.ShouldNotContain("<script>");
            html.ShouldNotContain("style=");
        }

        foreach (var module in Modules)
        {
            using var asset = await http.GetAsync("/oauth/app/" + module);
            asset.StatusCode.ShouldBe(HttpStatusCode.OK, module);
            asset.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript", module);
            ShouldHaveSecurityHeaders(asset);
        }

        using var css = await http.GetAsync("/oauth/app/app.css");
        css.Content.Headers.ContentType!.MediaType.ShouldBe("text/css");
        using var icon = await http.GetAsync("/oauth/app/icon.svg");
        icon.Content.Headers.ContentType!.MediaType.ShouldBe("image/svg+xml");
        using var favicon = await http.GetAsync("/favicon.ico");
        favicon.StatusCode.ShouldBe(HttpStatusCode.OK);
        favicon.Content.Headers.ContentType!.MediaType.ShouldBe("image/svg+xml");

        // Revalidation is cheap: the ETag answers 304.
        using var first = await http.GetAsync("/oauth/app/app.js");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/oauth/app/app.js");
        again.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.Tag);
        using var notModified = await http.SendAsync(again);
        notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);

        (await http.GetAsync("/oauth/app/missing.js")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.GetAsync("/oauth/app/../index.html")).StatusCode.ShouldNotBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Dashboard_WithAuthOnAndNoSession_RedirectsToTheSignInPageButServesItsAssets()
    {
        await using var gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder());
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };

        using var page = await http.GetAsync("/oauth");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.OriginalString.ShouldBe("/login?returnUrl=%2Foauth");

        using var back = await http.GetAsync("/oauth?request=abc");
        back.Headers.Location!.OriginalString.ShouldBe("/login?returnUrl=%2Foauth%3Frequest%3Dabc");

        using var script = await http.GetAsync("/oauth/app/app.js");
        script.StatusCode.ShouldBe(HttpStatusCode.OK);
        script.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
    }

    [Fact]
    public async Task RestApi_Answers_AreNeverCached()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        foreach (var path in new[] { "/api/backends", "/api/users", "/api/clients", "/api/authorization-requests", "/api/presets", "/api/tag-scopes" })
        {
            using var response = await http.GetAsync(path);

            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            response.Headers.CacheControl!.NoStore.ShouldBeTrue(path);
        }
    }

    private static void ShouldHaveSecurityHeaders(HttpResponseMessage response)
    {
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldBe(Csp);
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("same-origin");
        response.Headers.CacheControl!.NoCache.ShouldBeTrue();
    }
}
