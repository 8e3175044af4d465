using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// The dashboard's Activity view in a real Chromium (auth off): calls appear as rows, the backend filter narrows
/// them, the last hour's chart is drawn per backend from the API's numbers, a new call shows up in place, and a change
/// shows what it was made to.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardActivityBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Activity_AfterCalls_ShowsRowsFiltersByBackendAndDrawsTheChart()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta")));
        var client = await gateway.ConnectAsync();
        await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "one" });
        await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "two" });
        await client.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "three" });
        await Should.ThrowAsync<ModelContextProtocol.McpException>(() => client.CallToolAsync("alpha_1mcp_throw").AsTask());

        var page = await browser.NewPageAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 860 } });
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add($"console {message.Type}: {message.Text} ({message.Location})");
            }
        };
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth").ToString());
            await page.GetByRole(AriaRole.Link, new() { Name = "Activity", Exact = true }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#activity$"));

            var rows = page.Locator("tr[data-audit]");
            await Expect(rows).ToHaveCountAsync(4, new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(rows.Locator(".outcome")).ToContainTextAsync(["Failure (-32603)", "Success", "Success", "Success"]);

            var alpha = page.Locator("[data-activity-backend=\"alpha\"]");
            await Expect(alpha.Locator(".n-calls")).ToHaveTextAsync("3");
            await Expect(alpha.Locator(".n-errors")).ToHaveTextAsync("1");
            await Expect(alpha.Locator("svg.chart g.bucket")).ToHaveCountAsync(12);
            (await alpha.Locator("svg.chart rect.bar.calls").EvaluateAllAsync<double>("bars => Math.max(...bars.map(b => b.getBBox().height))")).ShouldBeGreaterThan(0);
            await Expect(page.Locator("[data-activity-backend=\"beta\"] .n-calls")).ToHaveTextAsync("1");
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-activity");

            await page.Locator("select[name=backend]").SelectOptionAsync("beta");
            await Expect(rows).ToHaveCountAsync(1);
            await Expect(rows.Locator(".backend")).ToHaveTextAsync("beta");

            // Refreshed in place like the other views: a new call appears without reloading the page.
            await rows.First.EvaluateAsync("row => { row.dataset.marker = 'kept'; }");
            await client.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "four" });
            await Expect(rows).ToHaveCountAsync(2, new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(page.Locator("tr[data-audit][data-marker=\"kept\"]")).ToHaveCountAsync(1);

            // A change names what it was made to, after the operation's name; a call has no target.
            using (var rest = new JsonHttp(gateway.BaseUrl))
            {
                var created = await rest.SendAsync(HttpMethod.Post, "/api/presets", new JsonObject { ["name"] = "dev", ["expression"] = "web" });
                created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
            }

            await page.Locator("select[name=backend]").SelectOptionAsync("");
            await Expect(rows.Filter(new() { HasText = "CreatePreset" }).Locator(".concerns")).ToHaveTextAsync("dev", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(rows.Filter(new() { HasText = "echo" }).First.Locator(".concerns")).ToHaveTextAsync("—");

            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Activity_WithMoreEntriesThanAPage_ShowsOlderOnesOnRequest_AndExportsAllOfThem()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")));
        var client = await gateway.ConnectAsync();
        const int Calls = 57;
        for (var i = 0; i < Calls; i++)
        {
            await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = $"call {i}" });
        }

        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth#activity").ToString());

            var rows = page.Locator("tr[data-audit]");
            var older = page.GetByRole(AriaRole.Button, new() { Name = "Show older entries" });
            await Expect(rows).ToHaveCountAsync(50);
            await Expect(older).ToBeVisibleAsync();

            await older.ClickAsync();
            await Expect(rows).ToHaveCountAsync(Calls);
            await Expect(older).ToBeHiddenAsync();

            // The export is the whole filtered log: no page size in its link.
            var href = (await page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).GetAttributeAsync("href")).ShouldNotBeNull();
            href.ShouldBe("/api/audit?format=csv");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
