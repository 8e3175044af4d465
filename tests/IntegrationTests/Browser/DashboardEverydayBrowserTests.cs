using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// The dashboard as an administrator uses it every day (a real gateway, auth off): a per-user backend offers no action
/// on the gateway's shared OAuth account and says why it is not connected yet; the longest names the gateway accepts
/// (presets, tags, users) stay on one line without pushing the page sideways; and an edit refused because another
/// change was saved first (409) can be saved again, rather than failing until the page is reloaded.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardEverydayBrowserTests(BrowserFixture browser)
{
    private static readonly ViewportSize Desktop = new() { Width = 1280, Height = 860 };

    [Fact]
    public async Task PerUserBackend_OffersNeitherAuthorizeNorRestartOAuth_AndSaysWhyItIsNotConnectedYet()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var rest = new RestClient(gateway);
        (await rest.PostAsync("/api/backends", PerUserHttp("notes", "notes"))).Status.ShouldBe(System.Net.HttpStatusCode.Created);

        await OnPageAsync(gateway, "/oauth#backends", async page =>
        {
            var notes = page.Locator("tr[data-backend=\"notes\"]");
            await Expect(notes.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true })).ToBeVisibleAsync();
            await Expect(notes.Locator(".status")).ToHaveTextAsync("Connecting");

            await Expect(notes.Locator(".status-note:not(.target)")).ToContainTextAsync("No user's connection");
            await Expect(notes.GetByRole(AriaRole.Button, new() { Name = "Restart OAuth", Exact = true })).ToHaveCountAsync(0);
            await Expect(notes.GetByRole(AriaRole.Button, new() { Name = "Authorize", Exact = true })).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task LongestNames_OfPresetsTagsAndUsers_StayOnOneLine_WithTheWholeNameInTheTooltip_AndThePageDoesNotScrollSideways()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var rest = new RestClient(gateway);
        var tag = new string('t', 50);
        var preset = "preset-" + new string('p', 57);
        var user = "user-" + new string('u', 59);
        (await rest.PostAsync("/api/backends", PerUserHttp("notes", tag))).Status.ShouldBe(System.Net.HttpStatusCode.Created);
        (await rest.PostAsync("/api/presets", new JsonObject { ["name"] = preset, ["expression"] = tag })).Status.ShouldBe(System.Net.HttpStatusCode.Created);
        (await rest.PostAsync("/api/users", new JsonObject { ["userName"] = user, ["password"] = "correct horse battery staple", ["role"] = "member" }))
            .Status.ShouldBe(System.Net.HttpStatusCode.Created);

        await OnPageAsync(gateway, "/oauth", async page =>
        {
            foreach (var (view, row, name) in new[] { ("presets", $"tr[data-preset=\"{preset}\"]", preset), ("tags", $"tr[data-tag=\"{tag}\"]", tag), ("users", $"tr[data-user=\"{user}\"]", user) })
            {
                await page.EvaluateAsync($"() => {{ location.hash = '{view}'; }}");
                var title = page.Locator($"{row} td.name .title");
                await Expect(title).ToHaveTextAsync(name);

                await Expect(title).ToHaveAttributeAsync("title", name);
                (await title.EvaluateAsync<int>(
                    "e => { const r = document.createRange(); r.selectNodeContents(e); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"))
                    .ShouldBe(1, $"the {view} view's name on one line");
                (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(Desktop.Width, $"the {view} view's width");
            }

            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-users-longest-name");
        });
    }

    [Fact]
    public async Task BackendEdit_WhenTheBackendWasDisabledMeanwhile_SaysSoKeepsTheEdit_AndSavesItTheSecondTime()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var rest = new RestClient(gateway);
        (await rest.PostAsync("/api/backends", PerUserHttp("notes", "old"))).Status.ShouldBe(System.Net.HttpStatusCode.Created);

        await OnPageAsync(gateway, "/oauth#backends", async page =>
        {
            var notes = page.Locator("tr[data-backend=\"notes\"]");
            await notes.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
            await page.GetByLabel("Tags").FillAsync("new");
            await notes.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("notes disabled.");
            var save = page.GetByRole(AriaRole.Button, new() { Name = "Save changes", Exact = true });

            await save.ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("notes was changed meanwhile");
            await Expect(page.GetByLabel("Tags")).ToHaveValueAsync("new");
            await save.ClickAsync();

            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("notes saved.");
        });
        var saved = (await rest.GetAsync("/api/backends/notes")).Json!;
        saved["tags"]!.ToJsonString().ShouldBe("[\"new\"]");
        saved["enabled"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task PresetSave_WhenSomeoneElseSavedItMeanwhile_SaysWhatItReadsNowKeepsTheEdit_AndSavesItTheSecondTime()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var rest = new RestClient(gateway);
        (await rest.PostAsync("/api/presets", new JsonObject { ["name"] = "dev", ["expression"] = "web" })).Status.ShouldBe(System.Net.HttpStatusCode.Created);

        await OnPageAsync(gateway, "/oauth#presets", async page =>
        {
            var dev = page.Locator("tr[data-preset=\"dev\"]");
            var expression = dev.Locator("input.expression");
            await Expect(expression).ToHaveValueAsync("web");
            await expression.FillAsync("web and not prod");
            (await rest.PutAsync("/api/presets/dev", new JsonObject { ["expression"] = "db", ["expectedVersion"] = 1 })).Status.ShouldBe(System.Net.HttpStatusCode.OK);
            var save = dev.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true });

            await save.ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Someone else saved the preset dev meanwhile: its filter is now db.");
            await Expect(expression).ToHaveValueAsync("web and not prod");
            await save.ClickAsync();

            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Preset dev saved");
        });
        (await rest.GetAsync("/api/presets/dev")).Str("expression").ShouldBe("web and not prod");
    }

    private static JsonObject PerUserHttp(string name, string tag) => new JsonObject
    {
        ["name"] = name,
        ["url"] = "http://127.0.0.1:9/mcp",
        ["credentials"] = "perUser",
        ["tags"] = new JsonArray(tag),
        ["oauth"] = new JsonObject { ["clientId"] = "client-1" },
    };

    private async Task OnPageAsync(GatewayUnderTest gateway, string path, Func<IPage, Task> test)
    {
        var page = await browser.NewPageAsync(new BrowserNewContextOptions { ViewportSize = Desktop });
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url(path).ToString());
            await test(page);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
