using System.Diagnostics;
using System.Text.Json;
using OneMcp.IntegrationTests.Gateway;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// The dashboard's badges follow the real connection: a stdio backend whose process is killed shows
/// Disconnected (being restarted) or Error (not restarted) within seconds, and Connected again once it is back.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardStatusBrowserTests(BrowserFixture browser)
{

    [Fact]
    public async Task KilledStdioBackends_ShowDisconnectedOrErrorWithinSeconds_AndASupervisedOneRecovers()
    {
        var supervised = ConfigBuilder.StdioTestServer("phoenix", ["web"]);
        supervised["restartOnExit"] = true;
        // Longer than the dashboard's 3 s refresh: the Disconnected window must be one a refresh can see.
        supervised["restartDelay"] = 7000;
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("phoenix", supervised)
            .Add("mortal", ConfigBuilder.StdioTestServer("mortal", ["web"])));
        var client = await gateway.ConnectAsync();
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth").ToString());
            var phoenix = page.Locator("tr[data-backend=\"phoenix\"] .status");
            var mortal = page.Locator("tr[data-backend=\"mortal\"] .status");
            await Expect(phoenix).ToHaveTextAsync("Connected");
            await Expect(mortal).ToHaveTextAsync("Connected");

            Kill(await PidAsync(client, "phoenix"));
            Kill(await PidAsync(client, "mortal"));

            // The dashboard refreshes every 3 s: both show the loss within a few seconds.
            await Expect(phoenix).ToHaveTextAsync("Disconnected", new() { Timeout = 10_000 });
            await Expect(mortal).ToHaveTextAsync("Error", new() { Timeout = 10_000 });
            await Expect(page.Locator("tr[data-backend=\"mortal\"]")).ToContainTextAsync("exited");
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-backend-killed");

            await Expect(phoenix).ToHaveTextAsync("Connected", new() { Timeout = BrowserTimeouts.ExpectMs });
            await Expect(mortal).ToHaveTextAsync("Error");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
    }

    private static async Task<int> PidAsync(ModelContextProtocol.Client.McpClient client, string server)
    {
        var result = await client.CallToolAsync($"{server}_1mcp_whoami");
        return JsonDocument.Parse(AggregationTests.Text(result)).RootElement.GetProperty("pid").GetInt32();
    }
}
