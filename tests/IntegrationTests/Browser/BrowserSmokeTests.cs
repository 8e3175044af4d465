using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>Proves the browser fixture end to end: a real Chromium against the real gateway on Kestrel.</summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class BrowserSmokeTests(BrowserFixture browser)
{
    [Fact]
    public async Task Health_OpenedInChromium_ShowsHealthyAndTakesAScreenshot()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await browser.NewPageAsync();
        try
        {
            var response = await page.GotoAsync(gateway.Url("/health").ToString());

            response.ShouldNotBeNull();
            response.Status.ShouldBe(200);
            var text = await page.InnerTextAsync("body");
            text.ShouldContain("\"status\":\"healthy\"");

            var screenshot = await BrowserFixture.SaveScreenshotAsync(page, "browser-smoke-health");
            File.Exists(screenshot).ShouldBeTrue();
            new FileInfo(screenshot).Length.ShouldBeGreaterThan(0);
            Path.IsPathRooted(screenshot).ShouldBeTrue();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
