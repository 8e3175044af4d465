using Microsoft.Playwright;

namespace OneMcp.IntegrationTests.Support.Browser;

/// <summary>
/// The "browser" test collection: every class marked <c>[Collection("browser")]</c> shares one
/// <see cref="BrowserFixture"/>, so the whole run starts one Chromium, and those classes run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollectionDefinition : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>
/// One Playwright driver and one headless Chromium for the whole test run. Each test takes a fresh
/// <see cref="IBrowserContext"/> (its own cookies and storage) from <see cref="NewContextAsync"/> or
/// <see cref="NewPageAsync"/>. The browser is Debian's <c>chromium</c> package (or <c>ONEMCP_CHROMIUM</c>);
/// Playwright's own browser download is never used.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Environment variable naming the Chromium executable to use instead of <see cref="DefaultExecutablePath"/>.</summary>
    public const string ExecutablePathVariable = "ONEMCP_CHROMIUM";

    public const string DefaultExecutablePath = "/usr/bin/chromium";

    private static readonly string[] LaunchArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly List<IBrowserContext> _contexts = [];
    private readonly Lock _gate = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The Chromium executable in use.</summary>
    public string ExecutablePath { get; } = ResolveExecutablePath();

    /// <summary>Where <see cref="SaveScreenshotAsync"/> writes: <c>&lt;test bin&gt;/artifacts/screenshots</c>.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    public IPlaywright Playwright => _playwright ?? throw new InvalidOperationException("The browser fixture is not initialized.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser fixture is not initialized.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {ExecutablePath}. The browser tests use the system's Chromium, not a Playwright download: "
                + $"install it with `sudo apt-get install chromium` (Debian/Ubuntu; scripts/test.sh does this when run as root), "
                + $"or set {ExecutablePathVariable} to a Chromium/Chrome executable.");
        }

        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        try
        {
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = LaunchArgs,
                Timeout = 60_000,
            });
        }
        catch
        {
            _playwright.Dispose();
            _playwright = null;
            throw;
        }
    }

    /// <summary>A new, isolated browser context (no cookies or storage shared with other tests); closed at the latest when the run ends.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new BrowserNewContextOptions());
        lock (_gate)
        {
            _contexts.Add(context);
        }

        return context;
    }

    /// <summary>A page in a new, isolated context. Close it with <c>await page.Context.CloseAsync()</c>, or leave it to the fixture.</summary>
    public async Task<IPage> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        var context = await NewContextAsync(options);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Waits for <paramref name="selector"/> on the page a click or a redirect led to, and then for that page's load
    /// event: its scripts (the consent page's consent.js) have run by then. An element is there as soon as it is parsed,
    /// before a script that hooks it was fetched, and a tick or a click made in between finds no handler.
    /// </summary>
    public static async Task WaitForPageWithAsync(IPage page, string selector, PageWaitForSelectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.WaitForSelectorAsync(selector, options);
        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    /// <summary>
    /// Saves a full-page PNG of <paramref name="page"/> as <c>&lt;test bin&gt;/artifacts/screenshots/&lt;name&gt;.png</c>
    /// (characters not allowed in file names become '_') and returns the file's absolute path.
    /// </summary>
    public static async Task<string> SaveScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string([.. name.Select(c => invalid.Contains(c) ? '_' : c)]);
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, safe + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Type = ScreenshotType.Png });
        return path;
    }

    public async Task DisposeAsync()
    {
        List<IBrowserContext> contexts;
        lock (_gate)
        {
            contexts = [.. _contexts];
            _contexts.Clear();
        }

        foreach (var context in contexts)
        {
            try
            {
                await context.CloseAsync();
            }
            catch (PlaywrightException)
            {
                // Already closed by the test.
            }
        }

        if (_browser is not null)
        {
            await _browser.CloseAsync();
            await _browser.DisposeAsync();
            _browser = null;
        }

        _playwright?.Dispose();
        _playwright = null;
    }

    private static string ResolveExecutablePath()
    {
        var configured = Environment.GetEnvironmentVariable(ExecutablePathVariable);
        return string.IsNullOrWhiteSpace(configured) ? DefaultExecutablePath : configured;
    }
}
