using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Npgsql;
using OneMcp.Infrastructure.Replication;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Any replica answers any legacy session (ADR 0031): two gateway processes on one PostgreSQL database, a client
/// whose session lives on A sending its requests to B, which relays them to A over the authenticated hop. The tests
/// that leave both replicas running share a pair (one without auth, one with), and judge its relay counters by what
/// changed during the test; the tests that stop a replica start their own.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class SessionRelayTests(PostgresFixture postgres, SharedRelayReplicas shared) : IClassFixture<SharedRelayReplicas>, IDisposable
{
    private const string WrongKey = "d3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmc=";
    private const string Admin = "alice";
    private const string AdminPassword = "correct horse battery staple";
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task LegacySessionOnA_ServedThroughB_StreamsProgress_AnswersAnElicitation_AndGetsListChangedOnTheGetStream()
    {
        var replicas = await shared.StartedAsync(postgres);
        await NoSessionOnAAsync(replicas);
        var relayedByA = await RelayReplicas.RelaysAsync(replicas.A, "relayed");
        var relayedByB = await RelayReplicas.RelaysAsync(replicas.B, "relayed");
        var (client, hostSwitch) = await replicas.ConnectThroughBAsync(new McpClientHandlers
        {
            ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["answer"] = JsonSerializer.SerializeToElement("forty-two") },
            }),
        });
        await using var _ = client;
        var listChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            listChanged.TrySetResult();
            return ValueTask.CompletedTask;
        });

        // Progress arrives as the tool runs, not with its result: each step is a second after the previous one, so a
        // streamed first notification comes two seconds before the result (a buffered one would come with it; the margin
        // is for a loaded machine).
        // Every step is counted by a handler of the client's own: the SDK client dispatches each message on the thread
        // pool, so it may hand the last step to the call's progress reporter after the call returned, when nobody listens.
        var clock = Stopwatch.StartNew();
        var steps = new List<TimeSpan>();
        await using var everyStep = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (_, _) =>
        {
            lock (steps)
            {
                steps.Add(clock.Elapsed);
            }

            return ValueTask.CompletedTask;
        });
        var result = await client.CallToolAsync("t_1mcp_progress", new Dictionary<string, object?> { ["steps"] = 3, ["delayMs"] = 1000 }, new SynchronousProgress(_ => { }));
        var finished = clock.Elapsed;
        Text(result).ShouldBe("done");
        await Eventually.ValueAsync(() => { lock (steps) { return Task.FromResult(steps.Count); } }, count => count >= 3, "all three progress steps at the client");
        lock (steps)
        {
            steps.Count.ShouldBe(3);
            (finished - steps[0]).ShouldBeGreaterThan(TimeSpan.FromSeconds(1), "the first progress notification reached the client while the call ran");
        }

        // The backend asks the client on the POST's stream; the client's answer is another POST, relayed as well.
        Text(await client.CallToolAsync("t_1mcp_elicit", new Dictionary<string, object?> { ["message"] = "the answer?" })).ShouldBe("elicited: accept forty-two");

        // The GET stream was opened on B and relayed: A's list_changed reaches it. (Asked again until it arrives: the
        // client opens its GET stream in the background, and a notification sent before it is open is not replayed.)
        for (var i = 0; !listChanged.Task.IsCompleted; i++)
        {
            Text(await client.CallToolAsync("t_1mcp_add_tool", new Dictionary<string, object?> { ["name"] = $"fresh{i}" })).ShouldBe($"added fresh{i}");
            await Task.WhenAny(listChanged.Task, Task.Delay(TimeSpan.FromSeconds(1)));
            i.ShouldBeLessThan(15, "no list_changed reached the GET stream relayed through B");
        }

        hostSwitch.Switched.ShouldBeGreaterThan(4);
        (await RelayReplicas.RelaysAsync(replicas.B, "relayed") - relayedByB).ShouldBeGreaterThanOrEqualTo(hostSwitch.Switched);
        (await RelayReplicas.RelaysAsync(replicas.A, "relayed") - relayedByA).ShouldBe(0, "A holds the session and never relays a hop again");

        // The client's DELETE, sent to B as well, ends the session on A.
        (await RelayReplicas.MetricAsync(replicas.A, "onemcp_sessions_active")).ShouldBe(1);
        await client.DisposeAsync();
        await Eventually.ValueAsync(() => RelayReplicas.MetricAsync(replicas.A, "onemcp_sessions_active"), v => v == 0, "the session on A to end");
    }

    [Fact]
    public async Task LegacySseSessionOnA_MessagesPostedToB_AreServed()
    {
        var replicas = await shared.StartedAsync(postgres);
        var relayedByB = await RelayReplicas.RelaysAsync(replicas.B, "relayed");
        var (client, hostSwitch) = await replicas.ConnectThroughBAsync(sse: true);
        await using var _ = client;

        Text(await client.CallToolAsync("t_1mcp_echo", new Dictionary<string, object?> { ["message"] = "over the hop" })).ShouldBe("over the hop");
        (await client.ListToolsAsync()).ShouldContain(t => t.Name == "t_1mcp_echo");

        hostSwitch.Switched.ShouldBeGreaterThanOrEqualTo(3, "initialize, initialized, tools/call and tools/list were posted to B");
        (await RelayReplicas.RelaysAsync(replicas.B, "relayed") - relayedByB).ShouldBeGreaterThanOrEqualTo(hostSwitch.Switched);
    }

    [Fact]
    public async Task AHopWithAWrongKey_IsRefusedWith403_LoggedWithoutTheValue_AndNothingHappens()
    {
        // The only test of the shared pair that sends a wrong key: the two refusals counted in A's log are its own.
        var replicas = await shared.StartedAsync(postgres);
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = replicas.A.McpUrl }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });

        using var forged = await PostAsync(replicas.A.BaseUrl, "/mcp", client.SessionId!, ToolCall("t_1mcp_add_tool", new JsonObject { ["name"] = "intruder" }), hop: WrongKey);
        forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = JsonNode.Parse(await forged.Content.ReadAsStringAsync())!["error"]!;
        error["code"]!.GetValue<int>().ShouldBe(-32003);
        error["message"]!.GetValue<string>().ShouldContain("relay key is wrong");

        using var rest = new HttpClient { BaseAddress = replicas.A.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/backends");
        request.Headers.Add("X-OneMcp-Relay", string.Empty);
        using var restForged = await rest.SendAsync(request);
        restForged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        restForged.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        // A tool added after the forged call shows up; the forged one never does.
        Text(await client.CallToolAsync("t_1mcp_add_tool", new Dictionary<string, object?> { ["name"] = "marker" })).ShouldBe("added marker");
        var tools = await Eventually.ValueAsync(() => client.ListToolsAsync().AsTask(), t => t.Any(x => x.Name == "t_1mcp_marker"), "the marker tool to be listed");
        tools.ShouldNotContain(t => t.Name == "t_1mcp_intruder");

        await replicas.A.WaitForOutputAsync(l => l.Contains("Refused a relay hop with a wrong key", StringComparison.Ordinal), "the refused hop to be logged", count: 2);
        replicas.A.StandardOutput.Concat(replicas.A.StandardError).ShouldNotContain(l => l.Contains(WrongKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AValidHop_IsNeverRelayedAgain_AndItsClientAddressIsWhatTheHostChecksJudge()
    {
        var replicas = await shared.StartedAsync(postgres);
        var relayedByA = await RelayReplicas.RelaysAsync(replicas.A, "relayed");
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = replicas.B.McpUrl }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });
        var key = new RelayKey(Convert.FromBase64String(GatewayProcess.TestDataProtectionKey)).Value;

        // B holds the session: A relays a plain request for it, and serves a hop for it itself (an unknown session there).
        using var plain = await PostAsync(replicas.A.BaseUrl, "/mcp", client.SessionId!, ListTools());
        plain.StatusCode.ShouldBe(HttpStatusCode.OK, await plain.Content.ReadAsStringAsync());
        using var hop = await PostAsync(replicas.A.BaseUrl, "/mcp", client.SessionId!, ListTools(), hop: key);
        hop.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await RelayReplicas.RelaysAsync(replicas.A, "relayed") - relayedByA).ShouldBe(1);

        // A loopback host name is believed only from this machine: a hop naming a client elsewhere is judged as that client.
        using var fromAfar = await PostAsync(replicas.B.BaseUrl, "/mcp", client.SessionId!, ListTools(), hop: key, client: "203.0.113.9");
        fromAfar.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await fromAfar.Content.ReadAsStringAsync()).ShouldContain("Forbidden host header");
        using var fromHere = await PostAsync(replicas.B.BaseUrl, "/mcp", client.SessionId!, ListTools(), hop: key, client: "127.0.0.1");
        fromHere.StatusCode.ShouldBe(HttpStatusCode.OK, await fromHere.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OrderlyStop_RemovesTheReplicaAndItsSessionsFromTheDatabase()
    {
        await using var replicas = await RelayReplicas.StartAsync(postgres, _directory);
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = replicas.B.McpUrl }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });
        await using var connection = new NpgsqlConnection(replicas.ConnectionString);
        await connection.OpenAsync();
        (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM replicas")).ShouldBe(2);
        (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM session_owners")).ShouldBe(1);

        await replicas.B.TerminateAsync();
        (await replicas.B.WaitForExitAsync()).ShouldBe(0, replicas.B.Describe());

        (await connection.QueryAsync<string>("SELECT url FROM replicas")).ShouldBe([replicas.A.BaseUrl.ToString()]);
        (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM session_owners")).ShouldBe(0);
    }

    [Fact]
    public async Task OwnerKilled_BAnswersItsSessions404_AsTheSdkAnswersAnUnknownSession()
    {
        await using var replicas = await RelayReplicas.StartAsync(postgres, _directory);
        var (client, _) = await replicas.ConnectThroughBAsync();
        var sessionId = client.SessionId!;
        Text(await client.CallToolAsync("t_1mcp_echo", new Dictionary<string, object?> { ["message"] = "before" })).ShouldBe("before");

        await replicas.A.KillAsync();

        using var unknown = await PostAsync(replicas.B.BaseUrl, "/mcp", Guid.NewGuid().ToString("N"), ListTools());
        var unknownBody = await unknown.Content.ReadAsStringAsync();
        foreach (var attempt in new[] { "refused, then cleaned", "no owner any more" })
        {
            using var orphaned = await PostAsync(replicas.B.BaseUrl, "/mcp", sessionId, ListTools());
            orphaned.StatusCode.ShouldBe(HttpStatusCode.NotFound, attempt);
            (await orphaned.Content.ReadAsStringAsync()).ShouldBe(unknownBody, attempt);
        }

        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // Once per request that found A gone: this one's, and the client's GET stream reconnecting to B.
        (await RelayReplicas.RelaysAsync(replicas.B, "refused")).ShouldBeGreaterThanOrEqualTo(1);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task OwnerFrozenMidCall_BEndsTheRelayedCallOnceTheHeartbeatsShowItGone_AndTheSessionThenAnswers404()
    {
        await using var replicas = await RelayReplicas.StartAsync(postgres, _directory);
        var (client, _) = await replicas.ConnectThroughBAsync();
        var sessionId = client.SessionId!;
        var relayedBefore = await RelayReplicas.RelaysAsync(replicas.B, "relayed");
        var call = PostAsync(replicas.B.BaseUrl, "/mcp", sessionId, ToolCall("t_1mcp_slow", new JsonObject { ["ms"] = 600_000 }));
        await Eventually.ValueAsync(() => RelayReplicas.RelaysAsync(replicas.B, "relayed"), n => n > relayedBefore, "B to relay the call to A");

        // A host that dies without closing its connections: A stops answering and stops beating; nothing is refused.
        await replicas.A.SignalAsync("STOP");
        try
        {
            // Without B noticing, the relayed call would wait as long as the connection stays open (here: for ever).
            var ended = await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(80)));
            ended.ShouldBe(call, "B ends the hop once A's heartbeat is stale (about 15 s + one heartbeat)");
            try
            {
                using var answer = await call;
                answer.StatusCode.ShouldBe(HttpStatusCode.BadGateway, "nothing relayed yet: the client is told the session's replica failed");
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // Headers already relayed (an SSE answer): the stream is cut, the client reconnects.
            }

            using var after = await PostAsync(replicas.B.BaseUrl, "/mcp", sessionId, ListTools());
            after.StatusCode.ShouldBe(HttpStatusCode.NotFound, "the session went with its replica");
        }
        finally
        {
            await replicas.A.SignalAsync("CONT");
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task OwnerHostSilent_BAnswersItsSession404AfterTheConnectTimeout_AndForgetsTheOwner()
    {
        var replicas = await shared.StartedAsync(postgres);
        var refusedByB = await RelayReplicas.RelaysAsync(replicas.B, "refused");

        // A dead host or a firewall dropping packets, on loopback: a listener that never accepts, its backlog filled,
        // so Linux drops every later SYN and the relay's connect waits for its timeout instead of being refused.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen(0);
        var endpoint = (IPEndPoint)silent.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                var connecting = filler.ConnectAsync(endpoint);
                await Task.WhenAny(connecting, Task.Delay(TimeSpan.FromMilliseconds(300)));
            }

            var sessionId = Guid.NewGuid().ToString("N");
            await using var connection = new NpgsqlConnection(replicas.ConnectionString);
            await connection.OpenAsync();
            await connection.ExecuteAsync(
                "INSERT INTO replicas (id, url, heartbeat_at, started_at) VALUES ('silent', @Url, now(), now())",
                new { Url = $"http://127.0.0.1:{endpoint.Port}" });
            await connection.ExecuteAsync(
                "INSERT INTO session_owners (session_id, replica_id, created_at) VALUES (@Session, 'silent', now())", new { Session = sessionId });

            using var unknown = await PostAsync(replicas.B.BaseUrl, "/mcp", Guid.NewGuid().ToString("N"), ListTools());
            var stopwatch = Stopwatch.StartNew();
            using var orphaned = await PostAsync(replicas.B.BaseUrl, "/mcp", sessionId, ListTools());

            orphaned.StatusCode.ShouldBe(HttpStatusCode.NotFound, await orphaned.Content.ReadAsStringAsync());
            stopwatch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(4), "the relay's connect timeout (5 s) ended the wait, not a refusal");
            (await orphaned.Content.ReadAsStringAsync()).ShouldBe(await unknown.Content.ReadAsStringAsync());
            (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM session_owners WHERE session_id = @Session", new { Session = sessionId })).ShouldBe(0);
            (await RelayReplicas.RelaysAsync(replicas.B, "refused") - refusedByB).ShouldBe(1);

            // The shared pair's database no longer names a replica that is not there.
            await connection.ExecuteAsync("DELETE FROM replicas WHERE id = 'silent'");
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task WithAuth_AnotherUsersTokenPresentingTheSessionThroughB_IsRefusedAsOnTheOwner()
    {
        const string redirect = "https://agent.example.com/oauth/callback";
        var replicas = await WithAuthAsync();
        var aliceToken = await TokenAsync(new OAuthFlowDriver(replicas.A.BaseUrl), redirect, Admin, AdminPassword, ticked: ["onemcp:admin"]);
        using (var rest = new HttpClient { BaseAddress = replicas.A.BaseUrl })
        {
            rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", aliceToken);
            using var created = await rest.PostAsJsonAsync("/api/users", new { userName = "bob", password = "another long enough password" });
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        // Issued by A like alice's; both replicas share A's address as their --external-url, so B accepts it too.
        var bobToken = await TokenAsync(new OAuthFlowDriver(replicas.A.BaseUrl), redirect, "bob", "another long enough password", ticked: []);
        var (client, hostSwitch) = await replicas.ConnectThroughBAsync(token: aliceToken);
        await using var _ = client;
        Text(await client.CallToolAsync("t_1mcp_echo", new Dictionary<string, object?> { ["message"] = "alice's" })).ShouldBe("alice's");
        hostSwitch.Switched.ShouldBeGreaterThan(0);

        using var onOwner = await PostAsync(replicas.A.BaseUrl, "/mcp", client.SessionId!, ListTools(), bobToken);
        var relayedBefore = await RelayReplicas.RelaysAsync(replicas.B, "relayed");
        using var throughB = await PostAsync(replicas.B.BaseUrl, "/mcp", client.SessionId!, ListTools(), bobToken);

        // B relayed it, and the owner refused it exactly as it refuses it when asked directly.
        (await RelayReplicas.RelaysAsync(replicas.B, "relayed")).ShouldBe(relayedBefore + 1);

        onOwner.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        throughB.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await throughB.Content.ReadAsStringAsync()).ShouldBe(await onOwner.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WithAuth_ARequestWithoutAValidToken_ForASessionNotHere_GetsTheUsual401_WithoutALookup()
    {
        const string lookupFailed = "Could not look up which replica holds a session";
        const string tokenRefused = "Refused the bearer token";
        var replicas = await WithAuthAsync();
        var token = await TokenAsync(new OAuthFlowDriver(replicas.A.BaseUrl), "https://agent.example.com/oauth/callback", Admin, AdminPassword, ticked: ["onemcp:admin"]);

        // B's log is the shared pair's: only the lines written during this test count.
        var linesBefore = Output(replicas.B);
        var (lookupsBefore, refusalsBefore) = (linesBefore.Count(l => l.Contains(lookupFailed, StringComparison.Ordinal)), linesBefore.Count(l => l.Contains(tokenRefused, StringComparison.Ordinal)));

        // The 401s B answers requests that never needed a lookup (no session at all); the token, accepted, is cached on B.
        using var noToken = await PostAsync(replicas.B.BaseUrl, "/mcp", sessionId: null, ListTools());
        using var badToken = await PostAsync(replicas.B.BaseUrl, "/mcp", sessionId: null, ListTools(), token: "not-a-token");
        using var accepted = await PostAsync(replicas.B.BaseUrl, "/mcp", sessionId: null, ListTools(), token);
        noToken.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        badToken.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        accepted.StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized);

        // Every lookup of a session owner now waits on this lock until it gives up (2 s) and says so in the log.
        await using var connection = new NpgsqlConnection(replicas.ConnectionString);
        await connection.OpenAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("LOCK TABLE session_owners IN ACCESS EXCLUSIVE MODE", transaction: transaction);
            (string Path, string? Token, HttpResponseMessage Usual)[] strangers =
            [
                ("/mcp", null, noToken),
                ("/mcp/" + RelayReplicas.Backend, null, noToken),
                ("/mcp", "not-a-token", badToken),
                ("/messages?sessionId=" + Guid.NewGuid().ToString("N"), null, noToken),
            ];
            foreach (var (path, presented, usual) in strangers)
            {
                using var refused = await PostAsync(replicas.B.BaseUrl, path, Guid.NewGuid().ToString("N"), ListTools(), presented);
                refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
                refused.Headers.WwwAuthenticate.ToString().ShouldBe(usual.Headers.WwwAuthenticate.ToString(), path);
                (await refused.Content.ReadAsStringAsync()).ShouldBe(await usual.Content.ReadAsStringAsync(), path);
            }

            // A caller with a valid token still makes B look (and wait on the lock): the only lookup logged.
            using var looked = await PostAsync(replicas.B.BaseUrl, "/mcp", Guid.NewGuid().ToString("N"), ListTools(), token);
            looked.StatusCode.ShouldBe(HttpStatusCode.NotFound, await looked.Content.ReadAsStringAsync());
            await transaction.RollbackAsync();
        }

        await replicas.B.WaitForOutputAsync(l => l.Contains(lookupFailed, StringComparison.Ordinal), "the valid token's lookup to give up on the locked table", count: lookupsBefore + 1);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var output = Output(replicas.B);
        (output.Count(l => l.Contains(lookupFailed, StringComparison.Ordinal)) - lookupsBefore).ShouldBe(1, "the requests without a valid token looked nothing up");
        (output.Count(l => l.Contains(tokenRefused, StringComparison.Ordinal)) - refusalsBefore)
            .ShouldBe(2, "each bad token was validated once, by the relay or by the check, never by both");
    }

    private static List<string> Output(GatewayProcess gateway) => [.. gateway.StandardOutput, .. gateway.StandardError];

    /// <summary>The shared pair with <c>--enable-auth</c>, whose first admin is <see cref="Admin"/>.</summary>
    private Task<RelayReplicas> WithAuthAsync() => shared.StartedAsync(
        postgres, ["--enable-auth"], new Dictionary<string, string> { ["ONEMCP_ADMIN_USERNAME"] = Admin, ["ONEMCP_ADMIN_PASSWORD"] = AdminPassword });

    /// <summary>The shared pair's earlier tests ended their sessions on A (a legacy SSE session ends once its stream closes).</summary>
    private static Task<long> NoSessionOnAAsync(RelayReplicas replicas) =>
        Eventually.ValueAsync(() => RelayReplicas.MetricAsync(replicas.A, "onemcp_sessions_active"), v => v == 0, "the earlier tests' sessions on A to end");

    private static async Task<string> TokenAsync(OAuthFlowDriver driver, string redirect, string user, string password, string[] ticked)
    {
        var client = (await driver.RegisterClientAsync([redirect])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, redirect, ["onemcp:admin"], pkce, user, password, selectedScopes: ticked)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, redirect, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return tokens.AccessToken!;
    }

    private static JsonObject ToolCall(string name, JsonObject arguments) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = 99,
        ["method"] = "tools/call",
        ["params"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
    };

    private static JsonObject ListTools() => new() { ["jsonrpc"] = "2.0", ["id"] = 98, ["method"] = "tools/list" };

    private static async Task<HttpResponseMessage> PostAsync(Uri baseUrl, string path, string? sessionId, JsonObject body, string? token = null, string? hop = null, string? client = null)
    {
        using var http = new HttpClient { BaseAddress = baseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }

        request.Headers.Add("MCP-Protocol-Version", ProtocolEras.Legacy);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (hop is not null)
        {
            request.Headers.Add("X-OneMcp-Relay", hop);
        }

        if (client is not null)
        {
            request.Headers.Add("X-OneMcp-Relay-Client", client);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
}
