namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// How long the browser tests wait, in one place. The machine is shared with builds and other test processes, so
/// these are ceilings for a slow moment, not expectations: every wait ends as soon as its condition holds.
/// </summary>
internal static class BrowserTimeouts
{
    /// <summary>An expectation on the page (text, visibility, count) or a page's default action timeout.</summary>
    public const float ExpectMs = 45_000;

    /// <summary>A navigation, including the first load of a page after the gateway started.</summary>
    public const float NavigationMs = 90_000;
}
