using Microsoft.Playwright;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// Under scope validation the consent page previews exactly the servers the ticked tags reach, and the
/// preview follows the ticks in the browser (the page's own script, allowed by its CSP).
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class ConsentPreviewBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string User = "ada";
    private const string Password = "correct horse battery staple";
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder()
                .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
                .Add("beta", ConfigBuilder.StdioTestServer("beta", ["web", "db"]))
                .Add("gamma", ConfigBuilder.StdioTestServer("gamma", ["db"])),
            adjust: o => o with { EnableScopeValidation = true });
        await _gateway.AddUserAsync(User, Password, "admin");
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task TickingAndUntickingTags_ChangesTheServersListed()
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl);
        const string RedirectUri = "http://127.0.0.1:46003/cb";
        var client = (await driver.RegisterClientAsync([RedirectUri], clientName: "Preview")).ClientId!;
        var authorize = driver.BuildAuthorizeUri(client, RedirectUri, ["tag:web"], "s", Pkce.Create());
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            var scriptErrors = new List<string>();
            page.PageError += (_, error) => scriptErrors.Add(error);
            await page.GotoAsync(authorize.AbsoluteUri);
            await page.FillAsync("#username", User);
            await page.FillAsync("#password", Password);
            await page.ClickAsync("button[type=submit]");
            await BrowserFixture.WaitForPageWithAsync(page, "#preview", new() { State = WaitForSelectorState.Attached });

            // Asked for tag:web only: one box, ticked; under "all" it reaches alpha and beta.
            (await VisibleServersAsync(page)).ShouldBe(["alpha", "beta"]);
            await BrowserFixture.SaveScreenshotAsync(page, "consent-preview-web");

            await page.UncheckAsync("#scope-tag-web");
            (await VisibleServersAsync(page)).ShouldBeEmpty();
            (await page.IsVisibleAsync("#preview-empty")).ShouldBeTrue();

            await page.CheckAsync("#scope-tag-web");
            (await VisibleServersAsync(page)).ShouldBe(["alpha", "beta"]);
            scriptErrors.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task WithoutARequestedScope_NothingIsTickedAndTwoTagsNarrowToTheServerCarryingBoth()
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl);
        const string RedirectUri = "http://127.0.0.1:46003/cb";
        var client = (await driver.RegisterClientAsync([RedirectUri], clientName: "Preview")).ClientId!;
        var authorize = driver.BuildAuthorizeUri(client, RedirectUri, [], "s", Pkce.Create());
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(authorize.AbsoluteUri);
            await page.FillAsync("#username", User);
            await page.FillAsync("#password", Password);
            await page.ClickAsync("button[type=submit]");
            await BrowserFixture.WaitForPageWithAsync(page, "#preview", new() { State = WaitForSelectorState.Attached });

            (await page.Locator("input[name=scopes]:checked").CountAsync()).ShouldBe(0);
            (await VisibleServersAsync(page)).ShouldBeEmpty();

            await page.CheckAsync("#scope-tag-db");
            (await VisibleServersAsync(page)).ShouldBe(["beta", "gamma"]);
            await page.CheckAsync("#scope-tag-web");
            (await VisibleServersAsync(page)).ShouldBe(["beta"]);
            await BrowserFixture.SaveScreenshotAsync(page, "consent-preview-web-and-db");

            // Approving with nothing ticked is refused with a message, and the request stays open.
            await page.UncheckAsync("#scope-tag-db");
            await page.UncheckAsync("#scope-tag-web");
            await page.ClickAsync("button[name=action][value=approve]");
            await page.WaitForSelectorAsync("#error");
            (await page.InnerTextAsync("#error")).ShouldContain("Choose at least one tag");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task<string[]> VisibleServersAsync(IPage page) =>
        [.. (await page.Locator("#preview li:visible").AllInnerTextsAsync()).Select(t => t.Trim())];
}
