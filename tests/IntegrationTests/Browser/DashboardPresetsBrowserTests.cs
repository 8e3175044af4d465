using System.Net;
using System.Text.Json.Nodes;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OneMcp.Application.Presets.Commands;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// The dashboard's Presets view in a real Chromium: an administrator adds, edits and removes presets and sees what each
/// selects; the URL it shows is one a client connects with; a member reads them without any control to change them.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardPresetsBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Admin_AddsEditsAndRemovesAPreset_AndTheUrlItShowsSelectsItsBackends()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])));
        using var rest = new RestClient(gateway);
        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        try
        {
            await page.GotoAsync(gateway.Url("/oauth").ToString());
            await page.GetByRole(AriaRole.Link, new() { Name = "Presets", Exact = true }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#presets$"));
            await Expect(page.GetByText("No presets yet: add one below.")).ToBeVisibleAsync();

            // A filter that does not parse is refused with where it fails, and nothing is stored.
            await page.GetByText("Add preset", new() { Exact = true }).First.ClickAsync();
            await page.FillAsync("input[name=presetName]", "team");
            await page.FillAsync("input[name=expression]", "web and");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add preset", Exact = true }).ClickAsync();
            await Expect(page.Locator("#error")).ToContainTextAsync("expression:", Walkthrough.LongContain);
            (await rest.GetAsync("/api/presets")).Json!.AsArray().ShouldBeEmpty();

            await page.FillAsync("input[name=expression]", "web or db");
            await page.FillAsync("input[name=description]", "the whole team");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add preset", Exact = true }).ClickAsync();
            var row = page.Locator("tr[data-preset=\"team\"]");
            await Expect(row.Locator(".backends .chip")).ToHaveTextAsync(["alpha", "beta"]);
            await Expect(page.Locator("#note")).ToHaveTextAsync("Preset team added: it selects alpha, beta.");
            await Expect(page.Locator("#error")).ToBeHiddenAsync();
            await Expect(row.Locator("input.description")).ToHaveValueAsync("the whole team");

            // The URL shown is the one a client uses.
            var url = new Uri(await row.Locator("input.url").InputValueAsync());
            url.GetLeftPart(UriPartial.Path).ShouldBe(gateway.Url("/mcp").ToString());
            url.Query.ShouldBe("?preset=team");
            var client = await gateway.ConnectAsync(url.Query);
            (await client.ListToolsAsync()).Select(t => t.Name.Split("_1mcp_")[0]).Distinct().Order().ShouldBe(["alpha", "beta"]);

            // An edit: what it selects follows, and the form the gateway reads the filter in is shown when it differs.
            await row.Locator("input.expression").FillAsync("DB");
            await row.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
            await Expect(row.Locator(".backends .chip")).ToHaveTextAsync(["beta"]);
            await Expect(row.Locator(".canonical")).ToHaveTextAsync("read as: db");
            (await client.ListToolsAsync()).Select(t => t.Name.Split("_1mcp_")[0]).Distinct().ShouldBe(["beta"]);
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-presets");

            // An edit saved elsewhere meanwhile is not overwritten: the save is refused and says so.
            await row.Locator("input.expression").FillAsync("web");
            var elsewhere = await rest.PutAsync("/api/presets/team", new JsonObject { ["expression"] = "db or web", ["expectedVersion"] = 2 });
            elsewhere.Status.ShouldBe(HttpStatusCode.OK, elsewhere.Text);
            await row.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
            await Expect(page.Locator("#error")).ToBeVisibleAsync();
            (await rest.GetAsync("/api/presets/team")).Str("expression").ShouldBe("db or web");

            await row.GetByRole(AriaRole.Button, new() { Name = "Remove", Exact = true }).ClickAsync();
            await Expect(row).ToHaveCountAsync(0);
            (await rest.GetAsync("/api/presets/team")).Status.ShouldBe(HttpStatusCode.NotFound);
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Member_ReadsPresetsWithWhatTheySelect_ButCannotChangeThem()
    {
        await using var gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])));
        await gateway.AddUserAsync(Walkthrough.Member, Walkthrough.MemberPassword, "member");
        await using (var scope = gateway.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new CreatePresetCommand { Name = "web-only", Expression = "web", Description = "web backends" });
        }

        var page = await Walkthrough.NewPageAsync(browser);
        var problems = Walkthrough.WatchForScriptErrors(page);
        try
        {
            await Walkthrough.SignInToDashboardAsync(page, gateway, Walkthrough.Member, Walkthrough.MemberPassword);
            await page.GetByRole(AriaRole.Link, new() { Name = "Presets", Exact = true }).ClickAsync();

            var row = page.Locator("tr[data-preset=\"web-only\"]");
            await Expect(row.Locator(".filter-text")).ToHaveTextAsync("web");
            await Expect(row.Locator(".description-text")).ToHaveTextAsync("web backends");
            await Expect(row.Locator(".backends .chip")).ToHaveTextAsync(["alpha"]);
            (await row.Locator("input.url").InputValueAsync()).ShouldEndWith("/mcp?preset=web-only");
            await Expect(row.Locator("input.expression")).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Remove" })).ToHaveCountAsync(0);
            await Expect(page.GetByText("Add preset")).ToHaveCountAsync(0);
            problems.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
