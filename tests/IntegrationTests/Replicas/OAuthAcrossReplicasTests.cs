using System.Net;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Four <c>onemcp serve --enable-auth</c> processes on one PostgreSQL database, one external URL, no stickiness: the
/// browser's steps of an authorization each land on another replica (authorize on the first, sign-in on the second,
/// consent on the third, the code exchanged on the fourth). All the state (the pending request, the sign-in cookie, the
/// anti-forgery tokens, the code) must be readable by every replica, and the token then works on each of them.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class OAuthAcrossReplicasTests(PostgresFixture postgres) : IDisposable
{
    private const int Replicas = 4;
    private const string User = "alice";
    private const string Password = "correct horse battery staple";
    private const string RedirectUri = "https://agent.example.com/oauth/callback";
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AuthorizeSignInConsentAndToken_EachOnAnotherReplica_GiveATokenEveryReplicaAccepts()
    {
        var database = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());
        var config = _directory.WriteConfig(new ConfigBuilder().Add("web", ConfigBuilder.StdioTestServer("web")));
        var ports = Enumerable.Range(0, Replicas).Select(_ => GatewayProcess.FreePort()).ToArray();
        var external = new Uri($"http://127.0.0.1:{ports[0]}");
        var gateways = new List<GatewayProcess>();
        try
        {
            for (var i = 0; i < Replicas; i++)
            {
                // The first replica creates the admin; the others start on the database it migrated.
                var environment = i == 0
                    ? new Dictionary<string, string> { ["ONEMCP_ADMIN_USERNAME"] = User, ["ONEMCP_ADMIN_PASSWORD"] = Password }
                    : new Dictionary<string, string>();
                var gateway = GatewayProcess.Start(
                    ["serve", "--config", config, "--port", ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture), "--enable-auth",
                        "--external-url", external.ToString(), "--database", database],
                    _directory.Path,
                    environment);
                gateways.Add(gateway);
                await gateway.WaitForListeningAsync();
            }

            var driver = new OAuthFlowDriver(external);
            var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
            var pkce = Pkce.Create();
            using var browser = new ReplicaBrowser(ports);

            // 1. /authorize on the first replica: not signed in, so the sign-in page.
            browser.Replica = 0;
            var login = await browser.FollowAsync(new HttpRequestMessage(HttpMethod.Get, driver.BuildAuthorizeUri(client, RedirectUri, ["onemcp:admin"], "state-1", pkce)));
            var loginForm = HtmlForms.Parse(login.Html).FirstOrDefault(f => f.HasInput("password")).ShouldNotBeNull(login.Html);

            // 2. The sign-in form the first replica served, posted to the second: the consent page (and the sign-in cookie).
            browser.Replica = 1;
            var fields = loginForm.HiddenFields.Where(f => f.Key is not "username" and not "password").ToList();
            fields.Add(KeyValuePair.Create("username", User));
            fields.Add(KeyValuePair.Create("password", Password));
            var consent = await browser.FollowAsync(Post(loginForm, login.Uri, fields));
            var consentForm = HtmlForms.Parse(consent.Html).FirstOrDefault(f => f.HasInput("action")).ShouldNotBeNull(consent.Html);

            // 3. The consent (sign-in cookie from the second replica) posted to the third: the redirect with the code.
            browser.Replica = 2;
            var decision = consentForm.HiddenFields.Where(f => f.Key is not OAuthFlowDriver.ScopesField and not "action").ToList();
            decision.Add(KeyValuePair.Create(OAuthFlowDriver.ScopesField, "onemcp:admin"));
            decision.Add(KeyValuePair.Create("action", "approve"));
            var redirect = await browser.FollowAsync(Post(consentForm, consent.Uri, decision));
            var code = AuthorizationRedirect.Parse(redirect.Uri).Code.ShouldNotBeNull(redirect.Uri.ToString());

            // 4. The code exchanged on the fourth.
            var tokens = await new OAuthFlowDriver(ReplicaUrl(ports[3])).ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
            tokens.IsSuccess.ShouldBeTrue(tokens.Body);

            // The token works on every replica, for MCP and for REST.
            for (var i = 0; i < Replicas; i++)
            {
                var (status, message) = await StatelessRequest.SendAsync(
                    new Uri(ReplicaUrl(ports[i]), "/mcp"), "tools/call",
                    new JsonObject { ["name"] = "web_1mcp_echo", ["arguments"] = new JsonObject { ["message"] = $"replica {i + 1}" } },
                    nameHeader: "web_1mcp_echo", token: tokens.AccessToken);
                status.ShouldBe(HttpStatusCode.OK, $"replica {i + 1}: {message}");
                message.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString().ShouldBe($"replica {i + 1}");

                using var rest = new HttpClient { BaseAddress = ReplicaUrl(ports[i]) };
                rest.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken);
                using var users = await rest.GetAsync("/api/users");
                users.StatusCode.ShouldBe(HttpStatusCode.OK, $"replica {i + 1}: {await users.Content.ReadAsStringAsync()}");
            }

            // The dashboard's cookie and its CSRF token from one replica are accepted by another for a change.
            browser.Replica = 0;
            using var session = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/session"));
            var csrf = JsonNode.Parse(await session.Content.ReadAsStringAsync())!["csrfToken"]!.GetValue<string>();
            browser.Replica = 3;
            using var change = new HttpRequestMessage(HttpMethod.Post, "/api/presets")
            {
                Content = new StringContent("""{"name":"across","expression":"web"}""", System.Text.Encoding.UTF8, "application/json"),
            };
            change.Headers.Add("X-CSRF-Token", csrf);
            using var created = await browser.SendAsync(change);
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }
        }
    }

    private static Uri ReplicaUrl(int port) => new($"http://127.0.0.1:{port}");

    private static HttpRequestMessage Post(HtmlForm form, Uri page, IEnumerable<KeyValuePair<string, string>> fields) =>
        new(HttpMethod.Post, form.ResolveAction(page)) { Content = new FormUrlEncodedContent(fields) };

    /// <summary>
    /// A browser that knows the gateway by its one external URL while a load balancer without stickiness sends each
    /// request to whichever replica <see cref="Replica"/> names; its cookies belong to the external URL.
    /// </summary>
    private sealed class ReplicaBrowser(int[] ports) : IDisposable
    {
        private readonly CookieContainer _cookies = new();
        private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
        private readonly Uri _external = ReplicaUrl(ports[0]);

        public int Replica { get; set; }

        public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            var uri = request.RequestUri!.IsAbsoluteUri ? request.RequestUri : new Uri(_external, request.RequestUri);
            var cookies = _cookies.GetCookieHeader(uri);
            if (cookies.Length > 0)
            {
                request.Headers.Add("Cookie", cookies);
            }

            request.RequestUri = new UriBuilder(uri) { Port = ports[Replica] }.Uri;
            var response = await _http.SendAsync(request);
            if (response.Headers.TryGetValues("Set-Cookie", out var set))
            {
                foreach (var cookie in set)
                {
                    _cookies.SetCookies(uri, cookie);
                }
            }

            return response;
        }

        /// <summary>Sends and follows redirects on the same replica, up to a 200 page or the client's redirect URI.</summary>
        public async Task<(Uri Uri, string Html)> FollowAsync(HttpRequestMessage first)
        {
            var request = first;
            for (var hop = 0; hop < 10; hop++)
            {
                var uri = request.RequestUri!;
                using var response = await SendAsync(request);
                request.Dispose();
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode is < 300 or >= 400)
                {
                    response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{uri} on replica {Replica + 1}: {body}");
                    return (uri, body);
                }

                var location = response.Headers.Location.ShouldNotBeNull();
                var target = location.IsAbsoluteUri ? location : new Uri(_external, location);
                if (target.AbsoluteUri.StartsWith(RedirectUri, StringComparison.Ordinal))
                {
                    return (target, string.Empty);
                }

                request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(target) { Port = _external.Port }.Uri);
            }

            throw new InvalidOperationException("Too many redirects.");
        }

        public void Dispose() => _http.Dispose();
    }
}
