using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// Editing an API backend in the dashboard (a real gateway, auth off): an edit replaces the whole definition, so what
/// the form has no field for must travel along unchanged, or saving a new tag would quietly reset it.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardBackendEditBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Edit_WhenOnlyTheTagsChange_KeepsTimeoutsRestartsApprovalAndOAuthSettings()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var rest = new RestClient(gateway);
        var local = Definitions.TestServer("local", "old");
        local["restartOnExit"] = true;
        local["maxRestarts"] = 9;
        local["connectionTimeout"] = 5000;
        (await rest.PostAsync("/api/backends", local)).Status.ShouldBe(System.Net.HttpStatusCode.Created);
        var remote = JsonNode.Parse("""
            {"name": "remote", "url": "https://mcp.example.invalid/mcp", "credentials": "perUser", "approval": "admin", "requestTimeout": 120000,
             "tags": ["old"], "oauth": {"clientId": "client-1", "scopes": ["read", "write"]}}
            """)!;
        (await rest.PostAsync("/api/backends", remote)).Status.ShouldBe(System.Net.HttpStatusCode.Created);

        var page = await browser.NewPageAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth").ToString());
            foreach (var name in new[] { "local", "remote" })
            {
                await page.Locator($"tr[data-backend=\"{name}\"]").GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
                await page.GetByLabel("Tags").FillAsync("new");
                await page.GetByRole(AriaRole.Button, new() { Name = "Save changes", Exact = true }).ClickAsync();
                await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{name} saved.");
            }
        }
        finally
        {
            await page.Context.CloseAsync();
        }

        var savedLocal = (await rest.GetAsync("/api/backends/local")).Json!;
        savedLocal["tags"]!.ToJsonString().ShouldBe("[\"new\"]");
        savedLocal["restartOnExit"]!.GetValue<bool>().ShouldBeTrue();
        savedLocal["maxRestarts"]!.GetValue<int>().ShouldBe(9);
        savedLocal["connectionTimeout"]!.GetValue<long>().ShouldBe(5000);

        var savedRemote = (await rest.GetAsync("/api/backends/remote")).Json!;
        savedRemote["tags"]!.ToJsonString().ShouldBe("[\"new\"]");
        savedRemote["approval"]!.GetValue<string>().ShouldBe("admin");
        savedRemote["requestTimeout"]!.GetValue<long>().ShouldBe(120000);
        savedRemote["oauth"]?["clientId"]?.GetValue<string>().ShouldBe("client-1");
        savedRemote["oauth"]?["scopes"]?.ToJsonString().ShouldBe("[\"read\",\"write\"]");
        savedRemote["oauth"].ShouldNotBeNull();
    }
}
