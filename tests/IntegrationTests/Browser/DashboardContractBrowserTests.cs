using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Browser;
using static Microsoft.Playwright.Assertions;

namespace OneMcp.IntegrationTests.Browser;

/// <summary>
/// The dashboard against the REST contract of docs/dashboard-api.md, with <c>/api</c> answered by the browser's
/// request routing (the real files served by a real gateway): requests, clients, tag scopes, users, the
/// approval prompt after a backend's authorization page, the CSRF header, member views and the sign-in redirect.
/// </summary>
[Collection(BrowserCollectionDefinition.Name)]
public sealed class DashboardContractBrowserTests(BrowserFixture browser)
{

    // A first page load on a loaded machine (a gateway starting its backends, auth keys) may take longer.
    private const string Csrf = "csrf-token-1";

    [Fact]
    public async Task Admin_ApprovesTheBackendConnectionAndManagesClientsTagsAndUsers_WithTheCsrfHeaderOnEveryChange()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await browser.NewPageAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        var api = await FakeApi.RouteAsync(page, "admin");
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => scriptErrors.Add(error);
        page.Console += (_, m) =>
        {
            if (m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                scriptErrors.Add(m.Text);
            }
        };
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);

            // Back from the backend's authorization page: the approval prompt names the backend.
            await page.GotoAsync(gateway.Url("/oauth?request=r1#requests").ToString());
            await Expect(page.Locator("header .user")).ToHaveTextAsync("ada");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
            var prompt = page.Locator("[data-request=\"r1\"]");
            await Expect(prompt).ToHaveCountAsync(1);
            await Expect(prompt.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Approve the connection of github?");
            await Expect(page.Locator("[data-request=\"r2\"]")).ToContainTextAsync("Claude Desktop for bob asks for tag:web, tag:db");
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-requests-approval-prompt");
            await prompt.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved: github connects now.");
            new Uri(page.Url).Query.ShouldBeEmpty();
            api.Changes.ShouldContain("POST /api/authorization-requests/r1/approve {}");

            // A ProblemDetails answer shows its detail in the alert.
            await page.Locator("[data-request=\"r2\"]").GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("This request was decided already.");

            // Backends: the OAuth states and their actions.
            await page.GetByRole(AriaRole.Link, new() { Name = "Backends", Exact = true }).ClickAsync();
            var github = page.Locator("tr[data-backend=\"github\"]");
            await Expect(github.Locator(".status")).ToHaveTextAsync("Awaiting OAuth");
            await Expect(github).ToContainTextAsync("waiting for approval");
            await Expect(github.GetByRole(AriaRole.Button, new() { Name = "Authorize", Exact = true })).ToBeVisibleAsync();
            await Expect(page.Locator("tr[data-backend=\"notion\"] .status")).ToHaveTextAsync("Connected");
            await Expect(page.Locator("tr[data-backend=\"broken\"] .status")).ToHaveTextAsync("Error");
            await Expect(page.Locator("tr[data-backend=\"broken\"]")).ToContainTextAsync("nope: not found");
            await page.Locator("tr[data-backend=\"notion\"]").GetByRole(AriaRole.Button, new() { Name = "Restart OAuth", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("notion");
            api.Changes.ShouldContain("POST /api/backends/notion/oauth/restart ");

            // Clients: Revoke a grant.
            await page.GetByRole(AriaRole.Link, new() { Name = "Clients", Exact = true }).ClickAsync();
            var grant = page.Locator("[data-grant=\"g2\"]");
            await Expect(grant).ToContainTextAsync("tag:docs");
            await grant.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Revoked");
            api.Changes.ShouldContain("DELETE /api/grants/g2 ");

            // Tag scopes: the backends carrying a tag, and an admin's edit (users and groups of the identity provider;
            // a group name may hold spaces, only commas separate them).
            await page.GetByRole(AriaRole.Link, new() { Name = "Tag scopes", Exact = true }).ClickAsync();
            var db = page.Locator("[data-tag=\"db\"]");
            await Expect(db).ToContainTextAsync("broken");
            await Expect(db.GetByLabel("Users who may grant db (comma-separated)")).ToHaveValueAsync("ada");
            await Expect(db.GetByLabel("Groups who may grant db (comma-separated)")).ToHaveValueAsync("sre");
            await Expect(page.Locator("[data-tag=\"web\"]").GetByLabel("Groups who may grant web (comma-separated)")).ToBeHiddenAsync();
            await db.GetByLabel("Description of db").FillAsync("Databases");
            await db.GetByLabel("Groups who may grant db (comma-separated)").FillAsync("sre, Domain Users,");
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-tag-scopes-named-users-and-groups");
            await db.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Tag db saved.");
            api.Changes.ShouldContain(
                "PUT /api/tag-scopes/db {\"description\":\"Databases\",\"policy\":\"namedUsers\",\"allowedUsers\":[\"ada\"],\"allowedGroups\":[\"sre\",\"Domain Users\"]}");

            // Users: enable a disabled member.
            await page.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
            var bob = page.Locator("[data-user=\"bob\"]");
            await Expect(bob).ToContainTextAsync("Disabled");
            await bob.GetByRole(AriaRole.Button, new() { Name = "Enable", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("bob enabled.");
            api.Changes.ShouldContain("PATCH /api/users/bob {\"disabled\":false}");

            api.ChangeHeaders.ShouldNotBeEmpty();
            api.ChangeHeaders.ShouldAllBe(h => h == $"{Csrf}|application/json");
            scriptErrors.ShouldBeEmpty();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task BackendsView_WhenConnectedThroughOAuthDisabledInConfigOrLongNamed_ShowsConnectedWithAnOAuthMarkerNoToggleAndUnbrokenNames()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await browser.NewPageAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1024, Height = 800 } });
        await FakeApi.RouteAsync(page, "admin");
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth#backends").ToString());

            // Connected through OAuth: the badge says Connected, the marker beside it says OAuth.
            var notion = page.Locator("tr[data-backend=\"notion\"]");
            await Expect(notion.Locator(".status")).ToHaveTextAsync("Connected");
            await Expect(notion.Locator(".oauth-marker")).ToBeVisibleAsync();
            await Expect(notion.Locator(".oauth-marker")).ToHaveTextAsync("OAuth");
            await Expect(page.Locator("tr[data-backend=\"github\"] .oauth-marker")).ToBeHiddenAsync();
            await Expect(page.Locator("tr[data-backend=\"broken\"] .oauth-marker")).ToBeHiddenAsync();

            // Disabled in mcp.json: neither Enable nor Disable (the file wins), and the note says where to change it.
            var archived = page.Locator("tr[data-backend=\"archived\"]");
            await Expect(archived.Locator(".status")).ToHaveTextAsync("Disabled");
            await Expect(archived).ToContainTextAsync("Disabled in mcp.json");
            await Expect(archived.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true })).ToHaveCountAsync(0);
            await Expect(archived.GetByRole(AriaRole.Button, new() { Name = "Enable", Exact = true })).ToHaveCountAsync(0);
            await Expect(notion.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true })).ToBeVisibleAsync();

            // Names stay on one line: a short one whole, a long one ellipsized with the whole name in its title.
            var everything = page.Locator("tr[data-backend=\"everything\"] .title");
            (await LineCountAsync(everything)).ShouldBe(1);
            (await everything.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth")).ShouldBeTrue();
            var longName = page.Locator($"tr[data-backend=\"{LongName}\"] .title");
            (await LineCountAsync(longName)).ShouldBe(1);
            await Expect(longName).ToHaveAttributeAsync("title", LongName);
            (await longName.EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth")).ShouldBeTrue();
            await BrowserFixture.SaveScreenshotAsync(page, "dashboard-backends-oauth-marker-long-names");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private const string LongName = "an-extraordinarily-long-backend-name-from-the-platform-team-registry";

    /// <summary>The lines the element's text occupies (a name broken mid-word occupies two; an ellipsis is a fragment on the same line).</summary>
    private static Task<int> LineCountAsync(ILocator element) =>
        element.EvaluateAsync<int>(
            "e => { const r = document.createRange(); r.selectNodeContents(e); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }");

    [Fact]
    public async Task Member_SeesNoAdminActions_AndNoSessionSendsTheBrowserToSignIn()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await browser.NewPageAsync();
        await FakeApi.RouteAsync(page, "member");
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => scriptErrors.Add(error);
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth").ToString());
            await Expect(page.Locator("tr[data-backend=\"github\"] .status")).ToHaveTextAsync("Awaiting OAuth");
            await Expect(page.Locator("tr[data-backend=\"broken\"] .status")).ToHaveTextAsync("Error");
            await Expect(page.Locator("tr[data-backend=\"broken\"] .type")).ToHaveTextAsync("stdio");
            scriptErrors.ShouldBeEmpty();
            await Expect(page.Locator("header")).ToContainTextAsync("Member");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true })).ToBeHiddenAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Authorize" })).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Disable" })).ToHaveCountAsync(0);
            await page.GetByRole(AriaRole.Link, new() { Name = "Requests", Exact = true }).ClickAsync();
            await Expect(page.Locator("#main")).ToContainTextAsync("Only administrators decide authorization requests.");

            // Who may grant a tag, named users and groups alike, as text.
            await page.GetByRole(AriaRole.Link, new() { Name = "Tag scopes", Exact = true }).ClickAsync();
            await Expect(page.Locator("[data-tag=\"db\"] .policy-text")).ToHaveTextAsync("Named users or groups: ada, group sre");
            await Expect(page.Locator("[data-tag=\"web\"] .policy-text")).ToHaveTextAsync("Every user");
            await Expect(page.Locator("[data-tag=\"db\"] input")).ToHaveCountAsync(0);

            var signedOut = await browser.NewPageAsync();
            await FakeApi.RouteAsync(signedOut, null);

            // This gateway runs without auth (no /login): the sign-in page is answered by the browser too.
            await signedOut.RouteAsync(url => new Uri(url).AbsolutePath == "/login", r => r.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<title>Sign in</title>" }));
            signedOut.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await signedOut.GotoAsync(gateway.Url("/oauth").ToString());
            await signedOut.WaitForURLAsync(url => url.EndsWith("/login?returnUrl=%2Foauth", StringComparison.Ordinal), new() { Timeout = BrowserTimeouts.ExpectMs });
            await signedOut.Context.CloseAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Requests_ClicksWhileAnApprovalIsOnItsWay_SendNoSecondDecision()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await browser.NewPageAsync();
        var api = await FakeApi.RouteAsync(page, "admin");
        var approveSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var decisions = new ConcurrentQueue<string>();
        // Registered last, so asked first: a decision on r2 is recorded and its answer held until the clicks are done.
        await page.RouteAsync("**/api/authorization-requests/r2/*", async route =>
        {
            decisions.Enqueue(new Uri(route.Request.Url).AbsolutePath);
            approveSent.TrySetResult();
            await release.Task;
            await route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = """{"id":"r2","status":"approved"}""" });
        });
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth#requests").ToString());
            var card = page.Locator("[data-request=\"r2\"]");
            await Expect(card).ToContainTextAsync("Claude Desktop for bob asks for tag:web, tag:db");
            var approve = card.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true });
            var deny = card.GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true });

            await approve.ClickAsync();
            await approveSent.Task.WaitAsync(TimeSpan.FromMilliseconds(BrowserTimeouts.ExpectMs));
            await approve.ClickAsync();
            await deny.ClickAsync();
            await Expect(deny).ToHaveAttributeAsync("aria-busy", "true");
            release.SetResult();

            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved: Claude Desktop for bob asks for tag:web, tag:db.");
            await Expect(deny).Not.ToHaveAttributeAsync("aria-busy", "true");
            decisions.ShouldBe(["/api/authorization-requests/r2/approve"]);
            api.Changes.Count(c => c.Contains("/r2/", StringComparison.Ordinal)).ShouldBe(0);
            await Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Requests_ApproveWithNoTagTicked_SendsNothing_AndApprovingSomeTagsSaysWhichOnes()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        var page = await browser.NewPageAsync();
        var api = await FakeApi.RouteAsync(page, "admin");
        try
        {
            page.SetDefaultTimeout(BrowserTimeouts.ExpectMs);
            page.SetDefaultNavigationTimeout(BrowserTimeouts.NavigationMs);
            await page.GotoAsync(gateway.Url("/oauth#requests").ToString());
            var card = page.Locator("[data-request=\"r2\"]");
            await Expect(card).ToContainTextAsync("Claude Desktop for bob asks for tag:web, tag:db");
            var approve = card.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true });

            await card.GetByLabel("tag:web", new() { Exact = true }).UncheckAsync();
            await card.GetByLabel("tag:db", new() { Exact = true }).UncheckAsync();
            await approve.ClickAsync();

            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Tick at least one tag to grant, or Deny the request.");
            api.Changes.ShouldBeEmpty();

            await card.GetByLabel("tag:web", new() { Exact = true }).CheckAsync();
            await approve.ClickAsync();

            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Approved with tag:web only: Claude Desktop for bob asks for tag:web, tag:db.");
            api.Changes.ShouldBe(["POST /api/authorization-requests/r2/approve {\"scopes\":[\"tag:web\"]}"]);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>The REST API of docs/dashboard-api.md answered in the browser, recording every change.</summary>
    private sealed class FakeApi
    {
        public ConcurrentQueue<string> Changes { get; } = new();

        public ConcurrentQueue<string> ChangeHeaders { get; } = new();

        public static async Task<FakeApi> RouteAsync(IPage page, string? role)
        {
            var fake = new FakeApi();
            await page.RouteAsync("**/api/**", route => fake.AnswerAsync(route, role));
            return fake;
        }

        private Task AnswerAsync(IRoute route, string? role)
        {
            var request = route.Request;
            var path = new Uri(request.Url).AbsolutePath;
            if (request.Method != "GET")
            {
                Changes.Enqueue($"{request.Method} {path} {request.PostData}");
                ChangeHeaders.Enqueue($"{request.Headers.GetValueOrDefault("x-csrf-token")}|{request.Headers.GetValueOrDefault("content-type")}");
                return path switch
                {
                    "/api/authorization-requests/r2/deny" => Problem(route, 409, "This request was decided already."),
                    "/api/tag-scopes/db" => Json(route, new JsonObject { ["tag"] = "db", ["scope"] = "tag:db", ["description"] = "Databases", ["backends"] = new JsonArray("broken"), ["policy"] = "namedUsers", ["allowedUsers"] = new JsonArray("ada"), ["allowedGroups"] = new JsonArray("Domain Users", "sre") }),
                    "/api/grants/g2" => route.FulfillAsync(new() { Status = 204 }),
                    _ when path.StartsWith("/api/backends/", StringComparison.Ordinal) => Json(route, Backends()[1]!.DeepClone()),
                    _ => Json(route, new JsonObject { ["id"] = "r1", ["status"] = "approved" }),
                };
            }

            return path switch
            {
                "/api/session" when role is null => Problem(route, 401, "Authorization required."),
                "/api/session" => Json(route, new JsonObject { ["authEnabled"] = true, ["scopeValidation"] = true, ["user"] = new JsonObject { ["name"] = role == "admin" ? "ada" : "bob", ["role"] = role }, ["csrfToken"] = Csrf }),
                "/api/backends" => Json(route, role == "member" ? AsMemberSeesThem(Backends()) : Backends()),
                "/api/authorization-requests" => Json(route, JsonNode.Parse("""
                    [{"id":"r1","kind":"backendConnection","userName":"ada","clientId":null,"clientName":null,"backendName":"github","requestedScopes":[],"createdAt":"2026-01-01T10:00:00Z","expiresAt":"2099-01-01T10:10:00Z"},
                     {"id":"r2","kind":"clientConsent","userName":"bob","clientId":"c1","clientName":"Claude Desktop","backendName":null,"requestedScopes":["tag:web","tag:db"],"createdAt":"2026-01-01T10:00:00Z","expiresAt":"2099-01-01T10:10:00Z"}]
                    """)!),
                "/api/clients" => Json(route, JsonNode.Parse("""
                    [{"clientId":"c1","name":"Claude Desktop","type":"public","redirectUris":["http://127.0.0.1/callback"],
                      "grants":[{"id":"g1","userName":"ada","scopes":["tag:web"],"createdAt":"2026-01-01T10:00:00Z"},{"id":"g2","userName":"bob","scopes":["tag:docs"],"createdAt":"2026-01-01T10:00:00Z"}]}]
                    """)!),
                "/api/tag-scopes" => Json(route, JsonNode.Parse("""
                    [{"tag":"db","scope":"tag:db","description":"","backends":["broken"],"policy":"namedUsers","allowedUsers":["ada"],"allowedGroups":["sre"]},
                     {"tag":"web","scope":"tag:web","description":"Web","backends":["github"],"policy":"allUsers","allowedUsers":[],"allowedGroups":[]}]
                    """)!),
                "/api/users" => Json(route, JsonNode.Parse("""
                    [{"userName":"ada","role":"admin","disabled":false,"createdAt":"2026-01-01T10:00:00Z","updatedAt":"2026-01-01T10:00:00Z"},
                     {"userName":"bob","role":"member","disabled":true,"createdAt":"2026-01-01T10:00:00Z","updatedAt":"2026-01-01T10:00:00Z"}]
                    """)!),
                _ => Problem(route, 404, null),
            };
        }

        // docs/dashboard-api.md: a member is not told how a backend is started; here the fields are absent altogether.
        private static JsonArray AsMemberSeesThem(JsonArray backends)
        {
            foreach (var backend in backends)
            {
                foreach (var hidden in new[] { "command", "args", "cwd", "env", "headers" })
                {
                    backend!.AsObject().Remove(hidden);
                }
            }

            return backends;
        }

        private static JsonArray Backends() => (JsonArray)JsonNode.Parse("""
            [{"name":"github","origin":"config","enabled":true,"type":"http","url":"https://mcp.example.com/mcp","args":[],"tags":["web"],"version":1,
              "runtime":{"status":"awaitingOAuth","lastError":null,"lastConnectedAt":null,"restarts":0,"tools":0,"oauth":{"required":true,"authorized":false,"pendingRequestId":"r1"}}},
             {"name":"notion","origin":"config","enabled":true,"type":"http","url":"https://notion.example.com/mcp","args":[],"tags":["docs"],"version":1,
              "runtime":{"status":"connected","lastError":null,"lastConnectedAt":"2026-01-01T10:00:00Z","restarts":0,"tools":4,"oauth":{"required":true,"authorized":true,"pendingRequestId":null}}},
             {"name":"broken","origin":"config","enabled":true,"type":"stdio","command":"nope","args":[],"tags":["db"],"version":1,
              "runtime":{"status":"error","lastError":"The process exited with code 127: nope: not found","lastConnectedAt":null,"restarts":0,"tools":0,"oauth":{"required":false,"authorized":false,"pendingRequestId":null}}},
             {"name":"archived","origin":"config","enabled":true,"disabledInConfig":true,"type":"stdio","command":"old","args":[],"tags":[],"version":1,
              "runtime":{"status":"disabled","lastError":null,"lastConnectedAt":null,"restarts":0,"tools":0,"oauth":{"required":false,"authorized":false,"pendingRequestId":null}}},
             {"name":"everything","origin":"config","enabled":true,"type":"stdio","command":"npx","args":["-y","@modelcontextprotocol/server-everything"],"tags":[],"version":1,
              "runtime":{"status":"connected","lastError":null,"lastConnectedAt":"2026-01-01T10:00:00Z","restarts":0,"tools":11,"oauth":{"required":false,"authorized":false,"pendingRequestId":null}}},
             {"name":"an-extraordinarily-long-backend-name-from-the-platform-team-registry","origin":"api","enabled":true,"type":"http","url":"https://registry.example.com/mcp","args":[],"tags":[],"version":1,
              "runtime":{"status":"connected","lastError":null,"lastConnectedAt":"2026-01-01T10:00:00Z","restarts":0,"tools":2,"oauth":{"required":false,"authorized":false,"pendingRequestId":null}}}]
            """)!;

        private static Task Json(IRoute route, JsonNode body) =>
            route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = body.ToJsonString() });

        private static Task Problem(IRoute route, int status, string? detail) =>
            route.FulfillAsync(new()
            {
                Status = status,
                ContentType = "application/problem+json",
                Body = new JsonObject { ["title"] = "Problem", ["status"] = status, ["detail"] = detail }.ToJsonString(),
            });
    }
}
