using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Auth;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// Sign-in and consent in a real Chromium: the gateway's pages, the cookie session, the redirects and the
/// page's Content-Security-Policy all as a browser sees them, ending on a real loopback redirect listener.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class ConsentBrowserTests(BrowserFixture browser, AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    private static readonly TimeSpan CallbackTimeout = TimeSpan.FromSeconds(30);

    private string Base => fixture.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/');

    [Fact]
    public async Task SignInAndApprove_LandsOnTheLoopbackListenerWithACodeThatBuysAWorkingToken()
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Browser e2e");
        var pkce = Pkce.Create();
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web", "offline_access"], "state-approve", pkce, Base + "/mcp");
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);

            // Not signed in: /authorize sends the browser to the login page.
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            new Uri(page.Url).AbsolutePath.ShouldBe("/login");
            (await page.TitleAsync()).ShouldStartWith("Sign in to OneMcp");
            await BrowserFixture.SaveScreenshotAsync(page, "consent-approve-1-login");

            await page.FillAsync("#username", AuthGatewayFixture.Admin);
            await page.FillAsync("#password", AuthGatewayFixture.AdminPassword);
            await ShouldAnswerAsync(await SubmitAsync(page, "button[type=submit]", "/login"), 302);

            // Signed in: back at /authorize with the consent page, the client's name and the requested tag.
            await BrowserFixture.WaitForPageWithAsync(page, "#client-name");
            new Uri(page.Url).AbsolutePath.ShouldBe("/authorize");
            (await page.InnerTextAsync("#client-name")).ShouldBe("Browser e2e");
            (await page.InnerTextAsync("#user-name")).ShouldBe(AuthGatewayFixture.Admin);
            var tags = page.Locator("input[type=checkbox][name=scopes]");
            (await tags.CountAsync()).ShouldBe(1);
            (await tags.First.GetAttributeAsync("value")).ShouldBe("tag:web");
            (await tags.First.IsCheckedAsync()).ShouldBeTrue();
            await BrowserFixture.SaveScreenshotAsync(page, "consent-approve-2-consent");

            await ShouldAnswerAsync(await SubmitAsync(page, "button[name=action][value=approve]", "/authorize"), 302);

            // The browser lands on the loopback listener with the code, the state and the issuer.
            await page.WaitForURLAsync(url => url.StartsWith(listener.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
            (await page.InnerTextAsync("body")).ShouldContain(LoopbackCallbackListener.Page);
            var landed = AuthorizationRedirect.Parse(new Uri(page.Url));
            var received = AuthorizationRedirect.Parse(await listener.FirstCallbackAsync(CallbackTimeout));
            foreach (var redirect in new[] { landed, received })
            {
                redirect.Code.ShouldNotBeNullOrEmpty();
                redirect.State.ShouldBe("state-approve");
                redirect.Iss.ShouldBe(Base + "/");
                redirect.Error.ShouldBeNull();
            }

            received.Code.ShouldBe(landed.Code);
            listener.Received.Count.ShouldBe(1);

            // The code buys a token (PKCE verifier, same redirect URI), and the token opens /mcp.
            var tokens = await driver.ExchangeCodeAsync(client, landed.Code!, listener.RedirectUri.AbsoluteUri, pkce.Verifier, resource: Base + "/mcp");
            tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);
            tokens.Scope!.Split(' ').ShouldBe(["tag:web", "offline_access"], ignoreOrder: true);
            tokens.RefreshToken.ShouldNotBeNullOrEmpty();

            await using var mcp = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = fixture.Gateway.Url("/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = new AuthenticationHeaderValue("Bearer", tokens.AccessToken).ToString() },
            }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });
            var result = await mcp.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "from the browser" });
            result.IsError.ShouldNotBe(true);
            string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text)).ShouldContain("from the browser");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task SignInAndDeny_LandsOnTheLoopbackListenerWithAccessDeniedAndTheState()
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Browser deny");
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web", "offline_access"], "state-deny", Pkce.Create(), Base + "/mcp");
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            await page.FillAsync("#username", AuthGatewayFixture.Member);
            await page.FillAsync("#password", AuthGatewayFixture.MemberPassword);
            await ShouldAnswerAsync(await SubmitAsync(page, "button[type=submit]", "/login"), 302);
            await BrowserFixture.WaitForPageWithAsync(page, "#client-name");
            (await page.InnerTextAsync("#client-name")).ShouldBe("Browser deny");

            await ShouldAnswerAsync(await SubmitAsync(page, "button[name=action][value=deny]", "/authorize"), 302);

            await page.WaitForURLAsync(url => url.StartsWith(listener.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
            var received = await listener.FirstCallbackAsync(CallbackTimeout);
            var query = QueryHelpers.ParseQuery(received.Query);
            query["error"].ToString().ShouldBe("access_denied");
            query["state"].ToString().ShouldBe("state-deny");
            query["iss"].ToString().ShouldBe(Base + "/");
            query.ContainsKey("code").ShouldBeFalse();
            AuthorizationRedirect.Parse(new Uri(page.Url)).Error.ShouldBe("access_denied");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Approve_ClickedTheMomentThePageOpens_ApprovesNothingUntilThePageWasShownForAMoment()
    {
        // Double-clickjacking: another site opens the consent page under the pointer between the two clicks of a
        // double click, so the second click lands on Approve before the user could see the page.
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Browser double click");
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web"], "state-early", Pkce.Create(), Base + "/mcp");
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            var posts = new ConcurrentQueue<string>();
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            await page.FillAsync("#username", AuthGatewayFixture.Admin);
            await page.FillAsync("#password", AuthGatewayFixture.AdminPassword);

            // The page's clock stands still from here: however slow this machine is, the click below arrives before
            // the page's own second has passed.
            var now = DateTime.UtcNow;
            await page.Clock.InstallAsync(new() { TimeDate = now });
            await page.Clock.PauseAtAsync(now.AddSeconds(1));
            await ShouldAnswerAsync(await SubmitAsync(page, "button[type=submit]", "/login"), 302);
            page.Request += (_, request) =>
            {
                if (request.Method == "POST" && new Uri(request.Url).AbsolutePath == "/authorize")
                {
                    posts.Enqueue(request.Url);
                }
            };

            // The click arrives as the page is there, before the user moved or waited: where Approve is, it does nothing.
            await BrowserFixture.WaitForPageWithAsync(page, "#client-name");
            var approve = page.Locator("button[name=action][value=approve]");
            var box = (await approve.BoundingBoxAsync()).ShouldNotBeNull();
            await page.Mouse.ClickAsync(box.X + (box.Width / 2), box.Y + (box.Height / 2));
            new Uri(page.Url).AbsolutePath.ShouldBe("/authorize");
            (await approve.IsEnabledAsync()).ShouldBeFalse();
            posts.ShouldBeEmpty();

            // A second later Approve takes the click, and that is the one decision sent.
            await page.Clock.RunForAsync(1000);
            await Assertions.Expect(approve).ToBeEnabledAsync(new() { Timeout = BrowserTimeouts.ExpectMs });
            await ShouldAnswerAsync(await SubmitAsync(page, "button[name=action][value=approve]", "/authorize"), 302);
            await page.WaitForURLAsync(url => url.StartsWith(listener.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
            AuthorizationRedirect.Parse(await listener.FirstCallbackAsync(CallbackTimeout)).Code.ShouldNotBeNullOrEmpty();
            posts.Count.ShouldBe(1);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task WrongPassword_ShowsTheErrorOnTheLoginPageAndStaysThere()
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Browser wrong password");
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web"], "state-wrong", Pkce.Create(), Base + "/mcp");
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            var returnUrl = await page.InputValueAsync("input[name=returnUrl]");
            returnUrl.ShouldStartWith("/authorize?");

            await page.FillAsync("#username", AuthGatewayFixture.Member);
            await page.FillAsync("#password", "not the password");
            await ShouldAnswerAsync(await SubmitAsync(page, "button[type=submit]", "/login"), 401);
            await page.WaitForSelectorAsync("#error");

            new Uri(page.Url).AbsolutePath.ShouldBe("/login");
            (await page.InnerTextAsync("#error")).ShouldBe("The user name or password is not right.");
            (await page.InputValueAsync("#username")).ShouldBe(AuthGatewayFixture.Member);
            (await page.InputValueAsync("#password")).ShouldBeEmpty();
            (await page.InputValueAsync("input[name=returnUrl]")).ShouldBe(returnUrl);
            (await page.Locator("#client-name").CountAsync()).ShouldBe(0);
            await BrowserFixture.SaveScreenshotAsync(page, "consent-wrong-password-login");
            listener.Received.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task ConsentPage_ShowsTheReturnHostAndAnUntickedAdminChoice_WhoseTokenChangesNothing()
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Admin scope e2e");
        var pkce = Pkce.Create();
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web", "onemcp:admin"], "state-admin", pkce, Base + "/mcp");
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            await page.FillAsync("#username", AuthGatewayFixture.Admin);
            await page.FillAsync("#password", AuthGatewayFixture.AdminPassword);
            await ShouldAnswerAsync(await SubmitAsync(page, "button[type=submit]", "/login"), 302);
            await BrowserFixture.WaitForPageWithAsync(page, "#client-name");

            // The host the browser returns to, and the admin choice: its own fieldset, plainly worded, never pre-ticked.
            (await page.InnerTextAsync("#return-host")).ShouldContain(listener.RedirectUri.Authority);
            var admin = page.Locator("#admin-choice input[name=scopes][value='onemcp:admin']");
            (await admin.IsVisibleAsync()).ShouldBeTrue();
            (await admin.IsCheckedAsync()).ShouldBeFalse();
            (await page.InnerTextAsync("#admin-choice")).ShouldContain("Administer this gateway: add backends that run commands on its host");
            await BrowserFixture.SaveScreenshotAsync(page, "consent-admin-choice");

            await ShouldAnswerAsync(await SubmitAsync(page, "button[name=action][value=approve]", "/authorize"), 302);
            await page.WaitForURLAsync(url => url.StartsWith(listener.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
            var code = AuthorizationRedirect.Parse(new Uri(page.Url)).Code!;
            var tokens = await driver.ExchangeCodeAsync(client, code, listener.RedirectUri.AbsoluteUri, pkce.Verifier, resource: Base + "/mcp");
            tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);

            // Left unticked: an administrator's token that reaches the tools but changes nothing.
            tokens.Scope!.Split(' ').ShouldNotContain("onemcp:admin");
            using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
            using var add = await http.PostAsync("/api/presets", new StringContent("""{"name":"browser-admin","expression":"web"}""", System.Text.Encoding.UTF8, "application/json"));
            add.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            add.Headers.WwwAuthenticate.ToString().ShouldContain("scope=\"onemcp:admin\"");
            (await http.GetStringAsync("/api/presets")).ShouldNotContain("browser-admin");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("deny")]
    public async Task DoubleClickOnADecision_SendsItOnceAndLandsOnTheLoopbackListenerWithItsAnswer(string action)
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Double click " + action);
        var pkce = Pkce.Create();
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web"], "state-double-" + action, pkce, Base + "/mcp");
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            await page.FillAsync("#username", AuthGatewayFixture.Member);
            await page.FillAsync("#password", AuthGatewayFixture.MemberPassword);
            await ShouldAnswerAsync(await SubmitAsync(page, "button[type=submit]", "/login"), 302);
            await BrowserFixture.WaitForPageWithAsync(page, "#client-name");
            var decisions = await SlowDoubleClickAsync(page, $"button[name=action][value={action}]", "/authorize");

            // The browser follows the one answer there is: back to the client with the code (or the refusal), not to
            // a second POST's "already decided" page.
            await page.WaitForURLAsync(url => url.StartsWith(listener.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
            var landed = AuthorizationRedirect.Parse(new Uri(page.Url));
            landed.State.ShouldBe("state-double-" + action);
            if (action == "approve")
            {
                landed.Error.ShouldBeNull();
                var tokens = await driver.ExchangeCodeAsync(client, landed.Code.ShouldNotBeNull(), listener.RedirectUri.AbsoluteUri, pkce.Verifier, resource: Base + "/mcp");
                tokens.StatusCode.ShouldBe(HttpStatusCode.OK, tokens.Body);
            }
            else
            {
                landed.Error.ShouldBe("access_denied");
                landed.Code.ShouldBeNull();
            }

            decisions.Count.ShouldBe(1);
            listener.Received.Count.ShouldBe(1);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task DecisionPage_ShownAgainFromTheBackForwardCache_HasItsButtonsBackAndSendsTheNextDecision()
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Back from the cache");
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web"], "state-back", Pkce.Create(), Base + "/mcp");
        const string Approve = "button[name=action][value=approve]";
        const string Deny = "button[name=action][value=deny]";
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            await page.FillAsync("#username", AuthGatewayFixture.Member);
            await page.FillAsync("#password", AuthGatewayFixture.MemberPassword);
            await ShouldAnswerAsync(await SubmitAsync(page, "button[type=submit]", "/login"), 302);
            await BrowserFixture.WaitForPageWithAsync(page, "#client-name");

            // The page as the back-forward cache keeps it when its POST failed on the network: submitted, its buttons
            // disabled, and still this document. (This page is no-store, which Chromium does not cache; the event it
            // would fire on the way back is dispatched here.)
            await page.EvaluateAsync("() => { window.holdPost = e => e.preventDefault(); document.querySelector('form[method=post]').addEventListener('submit', window.holdPost); }");
            await page.ClickAsync(Approve);
            (await page.IsDisabledAsync(Approve)).ShouldBeTrue();
            (await page.IsDisabledAsync(Deny)).ShouldBeTrue();

            await page.EvaluateAsync("() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");

            (await page.IsEnabledAsync(Deny)).ShouldBeTrue();
            // Approve too, once the page has been in front for a moment again (double-clickjacking, ADR 0060).
            await Assertions.Expect(page.Locator(Approve)).ToBeEnabledAsync(new() { Timeout = BrowserTimeouts.ExpectMs });
            await page.EvaluateAsync("() => document.querySelector('form[method=post]').removeEventListener('submit', window.holdPost)");
            await ShouldAnswerAsync(await SubmitAsync(page, Deny, "/authorize"), 302);
            await page.WaitForURLAsync(url => url.StartsWith(listener.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
            AuthorizationRedirect.Parse(new Uri(page.Url)).Error.ShouldBe("access_denied"); // the decision sent is the one clicked now
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task DoubleClickOnSignIn_SignsInTwiceAndEndsOnTheConsentPageLikeOneClick()
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = await RegisterAsync(driver, listener, "Double sign-in");
        var authorizeUri = driver.BuildAuthorizeUri(client, listener.RedirectUri.AbsoluteUri, ["tag:web"], "state-double-login", Pkce.Create(), Base + "/mcp");
        var page = await browser.NewPageAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            await page.GotoAsync(authorizeUri.AbsoluteUri);
            await page.FillAsync("#username", AuthGatewayFixture.Member);
            await page.FillAsync("#password", AuthGatewayFixture.MemberPassword);

            var signIns = await SlowDoubleClickAsync(page, "button[type=submit]", "/login");

            // Each POST signs in and sends the browser to the same request: the second answer is as good as the first.
            await BrowserFixture.WaitForPageWithAsync(page, "#client-name");
            (await page.InnerTextAsync("#client-name")).ShouldBe("Double sign-in");
            signIns.Count.ShouldBe(2);
            await ShouldAnswerAsync(await SubmitAsync(page, "button[name=action][value=approve]", "/authorize"), 302);
            await page.WaitForURLAsync(url => url.StartsWith(listener.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
            AuthorizationRedirect.Parse(new Uri(page.Url)).Code.ShouldNotBeNullOrEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// A double click on <paramref name="button"/> as a slow network or gateway sees it: the second click comes once the
    /// first POST to <paramref name="path"/> is on its way, and each POST's answer reaches the browser only after both
    /// clicks. Returns the POSTs sent.
    /// </summary>
    private static async Task<ConcurrentQueue<string>> SlowDoubleClickAsync(IPage page, string button, string path)
    {
        var posts = new ConcurrentQueue<string>();
        var firstSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bothClicked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**" + path, async route =>
        {
            if (route.Request.Method != "POST")
            {
                await route.ContinueAsync();
                return;
            }

            posts.Enqueue(route.Request.Url);
            firstSent.TrySetResult();
            var answer = await route.FetchAsync(new() { MaxRedirects = 0 });
            await bothClicked.Task;
            try
            {
                await route.FulfillAsync(new() { Response = answer });
            }
            catch (PlaywrightException)
            {
                // The browser gave up this POST for a later one: the answer the user sees is that one's.
            }
        });

        await page.HoverAsync(button);
        await page.Mouse.DownAsync();
        await page.Mouse.UpAsync();
        await firstSent.Task.WaitAsync(CallbackTimeout);
        await page.Mouse.DownAsync(new() { ClickCount = 2 });
        await page.Mouse.UpAsync(new() { ClickCount = 2 });
        bothClicked.SetResult();
        return posts;
    }

    /// <summary>Clicks a form's submit button and returns the answer to the POST it sends to <paramref name="path"/>.</summary>
    private static Task<IResponse> SubmitAsync(IPage page, string button, string path) =>
        page.RunAndWaitForResponseAsync(
            () => page.ClickAsync(button),
            r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == path);

    private static async Task ShouldAnswerAsync(IResponse response, int status)
    {
        if (response.Status != status)
        {
            var body = await response.TextAsync();
            var origin = await response.Request.HeaderValueAsync("origin");
            response.Status.ShouldBe(status, $"POST {response.Url} (Origin: {origin ?? "none"}) answered {response.Status}: {body}");
        }
    }

    private static async Task<string> RegisterAsync(OAuthFlowDriver driver, LoopbackCallbackListener listener, string name)
    {
        var registration = await driver.RegisterClientAsync([listener.RedirectUri.AbsoluteUri], clientName: name);
        registration.StatusCode.ShouldBe(HttpStatusCode.Created, registration.Body);
        return registration.ClientId.ShouldNotBeNull();
    }
}
