using Microsoft.Playwright;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// The OAuth management dashboard (/oauth) in a real Chromium against a real gateway (auth off): the Backends
/// view, enable/disable through its buttons, the in-place auto-refresh, phone width, keyboard, and a page
/// without script errors or Content-Security-Policy violations.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardBrowserTests(BrowserFixture browser)
{

    // A first page load on a loaded machine (a gateway starting its backends, auth keys) may take longer.

    private static readonly ViewportSize Desktop = new() { Width = 1280, Height = 860 };
    private static readonly ViewportSize Phone = new() { Width = 375, Height = 740 };

    [Fact]
    public async Task Backends_WithAuthOff_ShowTheirStatusAndDisableAndEnableThroughTheButtons()
    {
        await using var gateway = await StartAsync();
        await OnPageAsync(gateway, "/", Desktop, async page =>
        {
            new Uri(page.Url).AbsolutePath.ShouldBe("/oauth");
            await Expect(page.Locator("header .product")).ToHaveTextAsync("OneMcp");

            var alpha = page.Locator("tr[data-backend=\"alpha\"]");
            var beta = page.Locator("tr[data-backend=\"beta\"]");
            await Expect(alpha.Locator(".status")).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(beta.Locator(".status")).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(alpha.Locator(".chip.tag")).ToHaveTextAsync("web");
            await Expect(alpha.Locator("td.transport")).ToContainTextAsync("stdio");
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-backends-desktop");

            await beta.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
            await Expect(beta.Locator(".status")).ToHaveTextAsync("Disabled", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(beta.GetByRole(AriaRole.Button, new() { Name = "Enable", Exact = true })).ToBeFocusedAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("beta disabled");
            await Expect(alpha.Locator(".status")).ToHaveTextAsync("Connected");

            await beta.GetByRole(AriaRole.Button, new() { Name = "Enable", Exact = true }).ClickAsync();
            await Expect(beta.Locator(".status")).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(beta.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true })).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task AutoRefresh_UpdatesRowsInPlace_WithoutTakingTheFocusAway()
    {
        await using var gateway = await StartAsync();
        await OnPageAsync(gateway, "/oauth", Desktop, async page =>
        {
            var alpha = page.Locator("tr[data-backend=\"alpha\"]");
            await Expect(alpha.Locator(".status")).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });

            // Mark the row element and focus its button; two refreshes later both are still the same.
            await alpha.EvaluateAsync("row => { row.dataset.marker = 'kept'; }");
            var disable = alpha.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true });
            await disable.FocusAsync();
            await Walkthrough.RefreshesAsync(page, 3);
            (await alpha.GetAttributeAsync("data-marker")).ShouldBe("kept");
            (await disable.EvaluateAsync<bool>("b => document.activeElement === b")).ShouldBeTrue();

            // Keyboard only: Tab from the top reaches the navigation, then the row's buttons.
            await page.Locator("body").FocusAsync();
            await page.EvaluateAsync("() => document.activeElement.blur()");
            var reached = new List<string>();
            for (var i = 0; i < 30; i++)
            {
                await page.Keyboard.PressAsync("Tab");
                reached.Add(await page.EvaluateAsync<string>("() => { const e = document.activeElement; return e.tagName + ':' + e.textContent.trim(); }"));
            }

            reached.ShouldContain("A:Backends");
            reached.ShouldContain("A:Tag scopes");
            reached.ShouldContain("BUTTON:Disable");
            (await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle")).ShouldNotBe("none");

            // Keyboard activation of a nav link switches the view (hash routing).
            await page.GetByRole(AriaRole.Link, new() { Name = "Clients", Exact = true }).FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#clients$"));
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Clients", Exact = true })).ToHaveAttributeAsync("aria-current", "page");
        });
    }

    [Fact]
    public async Task PhoneWidth_TurnsRowsIntoCardsWithoutSidewaysScrolling_AndAnAuthorizationErrorShowsInTheAlert()
    {
        await using var gateway = await StartAsync();
        // A link anyone could write: its text must not reach the gateway's own alert (the gateway's callback passes what
        // failed in a cookie; MyConnectionsBrowserTests shows that one).
        await OnPageAsync(gateway, "/oauth?error=access_denied&error_description=Your%20session%20expired%3A%20sign%20in%20at%20evil.example", Phone, async page =>
        {
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("An authorization was not completed.");
            await Expect(page.GetByRole(AriaRole.Alert)).Not.ToContainTextAsync("evil.example");
            new Uri(page.Url).Query.ShouldBeEmpty();

            var alpha = page.Locator("tr[data-backend=\"alpha\"]");
            await Expect(alpha.Locator(".status")).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(page.Locator("tr[data-backend=\"beta\"] .status")).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });
            (await alpha.EvaluateAsync<string>("row => getComputedStyle(row).display")).ShouldBe("block");
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-backends-phone");
        });
    }

    [Fact]
    public async Task WithAuthOn_TheDashboardSendsToSignInAndBackToTheBackends()
    {
        await using var gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])));
        await gateway.AddUserAsync("ada", "correct horse battery staple", "admin");
        await OnPageAsync(gateway, "/oauth", null, async page =>
        {
            new Uri(page.Url).AbsolutePath.ShouldBe("/login");
            await page.FillAsync("#username", "ada");
            await page.FillAsync("#password", "correct horse battery staple");
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/oauth");
            await Expect(page.Locator("tr[data-backend=\"alpha\"] .status")).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });
        });
    }

    /// <summary>
    /// Opens <paramref name="path"/> in a fresh browser context with the test timeouts, runs <paramref name="test"/>,
    /// and then requires that the page had no script error, console error or CSP violation.
    /// </summary>
    private async Task OnPageAsync(GatewayUnderTest gateway, string path, ViewportSize? viewport, Func<IPage, Task> test)
    {
        var page = await browser.NewPageAsync(viewport is null ? null : new BrowserNewContextOptions { ViewportSize = viewport });
        var problems = WatchForProblems(page);
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url(path).ToString());
            await test(page);
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static Task<GatewayUnderTest> StartAsync() =>
        GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta")));

    /// <summary>Script errors, console errors and CSP violations (Chromium reports those on the console).</summary>
    private static List<string> WatchForProblems(IPage page)
    {
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type is not ("error" or "warning"))
            {
                return;
            }

            problems.Add($"console {message.Type}: {message.Text} ({message.Location})");
        };
        return problems;
    }
}
