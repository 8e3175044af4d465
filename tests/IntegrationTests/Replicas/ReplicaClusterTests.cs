using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Issue 16's "Done means", end to end: PostgreSQL, three replicas and HAProxy from <c>deploy/haproxy.cfg</c> in
/// round-robin with no stickiness (<see cref="ReplicaCluster"/>). The scenarios that leave the cluster as they found
/// it share one cluster; the SIGKILL and the database outage each run on a cluster of their own.
/// </summary>
public sealed class ReplicaClusterTests(ReplicaCluster cluster) : IClassFixture<ReplicaCluster>
{
    private const string RedirectUri = "http://127.0.0.1:45572/cb";
    private const string MemberPassword = "tr0ub4dor&3 is long enough";
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task StatelessClient_ThroughHaproxy_MakesThreeHundredCallsWithoutAnError_AndEveryReplicaServesSome()
    {
        var before = await ServedAsync(cluster);
        using var client = new ReplicaClient(await MemberTokenAsync(cluster));
        var failures = new List<string>();

        for (var i = 0; i < 300; i++)
        {
            var answer = await client.CallToolAsync(cluster.McpUrl, "alpha_1mcp_echo", new JsonObject { ["message"] = $"call {i}" });
            if (!answer.IsToolSuccess || answer.FirstText != $"call {i}")
            {
                failures.Add($"call {i}: {(int)answer.Status} {answer.Text}");
            }
        }

        var served = (await ServedAsync(cluster)).Zip(before, (after, b) => after - b).ToArray();
        failures.ShouldBeEmpty();
        served.Sum().ShouldBe(300, "tools/call forwarded by the three replicas together");
        served.ShouldAllBe(count => count > 0, $"every replica serves some calls (served: {string.Join(", ", served)})");
    }

    [Fact]
    public async Task LegacySdkClient_ThroughHaproxy_MakesThreeHundredCallsWithProgressAndAnElicitation_WhileItsRequestsLandOnEveryReplica()
    {
        var token = await MemberTokenAsync(cluster);
        var before = await cluster.Haproxy.OkResponsesAsync();
        var progress = new NotificationLog();
        var asked = new ConcurrentQueue<string>();
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = cluster.McpUrl,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
            }),
            new McpClientOptions
            {
                ProtocolVersion = ProtocolEras.Legacy,
                Handlers = new McpClientHandlers
                {
                    // Every progress notification, also one the SDK dispatches after its call's result (the per-call
                    // IProgress below only asks for them: the SDK stops reporting to it once the call has returned).
                    NotificationHandlers = [new(NotificationMethods.ProgressNotification, progress.Record)],
                    ElicitationHandler = (request, _) =>
                    {
                        asked.Enqueue(request!.Message);
                        return ValueTask.FromResult(new ElicitResult
                        {
                            Action = "accept",
                            Content = new Dictionary<string, JsonElement> { ["answer"] = JsonSerializer.SerializeToElement("any replica") },
                        });
                    },
                },
            });
        client.NegotiatedProtocolVersion.ShouldBe(ProtocolEras.Legacy);
        var reporter = new Progress<ModelContextProtocol.ProgressNotificationValue>();

        for (var i = 0; i < 299; i++)
        {
            var result = await client.CallToolAsync("alpha_1mcp_progress", new Dictionary<string, object?> { ["steps"] = 2, ["delayMs"] = 5 }, reporter);
            (result.IsError ?? false).ShouldBeFalse($"call {i}");
            result.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("done");
        }

        var elicited = await client.CallToolAsync("alpha_1mcp_elicit", new Dictionary<string, object?> { ["message"] = "Which replica?" });

        elicited.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("elicited: accept any replica");
        asked.ShouldBe(["Which replica?"]);
        // Two steps 5 ms apart: the first is well ahead of the result, so each call has at least one to show.
        await progress.AtLeastAsync(299, "a progress notification for every call");
        var after = await cluster.Haproxy.OkResponsesAsync();
        var landed = after.ToDictionary(s => s.Key, s => s.Value - before.GetValueOrDefault(s.Key));
        landed.Count.ShouldBe(ReplicaCluster.Size);
        landed.Values.ShouldAllBe(count => count > 0, $"the session's requests land on every replica ({string.Join(", ", landed)})");
    }

    [Fact]
    public async Task BackendAddedThroughRestOnReplicaOne_IsPushedToReplicaThreeByTheChangeFeed_AndALegacySessionOnReplicaTwoGetsListChanged()
    {
        await using var late = await HttpTestServer.StartAsync("late");
        var changes = new NotificationLog();
        await using var legacy = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = cluster.ReplicaMcpUrl(2),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {cluster.AdminToken}" },
            }),
            new McpClientOptions
            {
                ProtocolVersion = ProtocolEras.Legacy,
                Handlers = new McpClientHandlers { NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, changes.Record)] },
            });
        (await legacy.ListToolsAsync()).Select(t => t.Name).ShouldNotContain("late_1mcp_echo");
        using var client = new ReplicaClient(cluster.AdminToken);
        (await client.ToolNamesAsync(cluster.ReplicaMcpUrl(3))).ShouldNotContain("late_1mcp_echo");
        var followedBefore = await cluster.ChangesFollowedAsync(3, "backends");
        var resynchronisedBefore = await cluster.ChangesFollowedAsync(3, "resynchronisation");

        try
        {
            var (status, text, _) = await cluster.RestAsync(1, HttpMethod.Post, "/api/backends", new JsonObject { ["name"] = "late", ["url"] = late.McpUrl });
            status.ShouldBe(HttpStatusCode.Created, text);

            // "Within a second" (issue 16) holds because the change is pushed: replica 1's notification makes replica 3
            // reload at once. A replica has no other way to learn of it than a full resynchronisation (after a lost
            // listen connection), so the proof is that replica 3 followed a backends notification and did not
            // resynchronise; a wall-clock bound would measure the test machine's load instead (its /health lists its
            // own pool, not the database).
            await Eventually.ValueAsync(() => BackendsRunningOnAsync(3), names => names.Contains("late"), "replica 3 to run the backend added on replica 1");
            (await cluster.ChangesFollowedAsync(3, "backends")).ShouldBeGreaterThan(followedBefore, "replica 3 followed replica 1's notification");
            (await cluster.ChangesFollowedAsync(3, "resynchronisation")).ShouldBe(resynchronisedBefore, "nothing but the notification told replica 3");
            await Eventually.ValueAsync(
                () => client.ToolNamesAsync(cluster.ReplicaMcpUrl(3)), names => names.Contains("late_1mcp_echo"), "replica 3 to list the new backend's tools");
            await Eventually.TrueAsync(() => changes.Count >= 1, "list_changed in the legacy session living on replica 2");
            (await legacy.ListToolsAsync()).Select(t => t.Name).ShouldContain("late_1mcp_echo");
        }
        finally
        {
            await cluster.RestAsync(1, HttpMethod.Delete, "/api/backends/late");
        }
    }

    [Fact]
    public async Task RevokedToken_IsRefusedByEveryReplicaWithinASecond()
    {
        var (user, password) = await NewMemberAsync(cluster);
        var driver = new OAuthFlowDriver(cluster.ReplicaUrl(1));
        var clientId = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(clientId, RedirectUri, [], pkce, user, password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(clientId, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        using var client = new ReplicaClient(tokens.AccessToken!);
        await AcceptedEverywhereAsync(client);

        var revoked = await driver.RevokeAsync(clientId, tokens.AccessToken!);
        var clock = Stopwatch.StartNew();
        revoked.StatusCode.ShouldBe(HttpStatusCode.OK, revoked.Body);

        await RefusedEverywhereWithinASecondAsync(client, clock, "the revoked token");
    }

    [Fact]
    public async Task DisabledUser_IsRefusedByEveryReplicaWithinASecond()
    {
        var (user, password) = await NewMemberAsync(cluster);
        using var client = new ReplicaClient(await cluster.TokenAsync(user, password, []));
        await AcceptedEverywhereAsync(client);

        var (status, text, _) = await cluster.RestAsync(1, HttpMethod.Patch, $"/api/users/{user}", new JsonObject { ["disabled"] = true });
        var clock = Stopwatch.StartNew();
        status.ShouldBe(HttpStatusCode.OK, text);

        await RefusedEverywhereWithinASecondAsync(client, clock, "the disabled user's token");
    }

    [Fact]
    public async Task SigkillOfOneReplicaUnderLoad_StatelessClientLosesNoCall_ItsLegacySessionsGet404AndStartAgain_OthersAreUntouched()
    {
        var own = new ReplicaCluster();
        try
        {
            await own.InitializeAsync();
            using var client = new ReplicaClient(own.AdminToken);

            // One legacy session owned by each replica (opened there directly), then used through HAProxy.
            var sessions = new List<string>();
            for (var i = 1; i <= ReplicaCluster.Size; i++)
            {
                sessions.Add(await client.OpenSessionAsync(own.ReplicaMcpUrl(i)));
            }

            foreach (var session in sessions)
            {
                await CallsSucceedInSessionAsync(client, own, session, times: 3);
            }

            using var load = new CallLoad(client, own.McpUrl, retrying: true);
            await load.AtLeastAsync(50);
            await own.KillAsync(3);
            var afterKill = load.Calls;
            await Eventually.ValueAsync(own.Haproxy.ServersAsync, servers => servers.Single(s => s.Name == "replica3").Status.StartsWith("DOWN", StringComparison.Ordinal), "HAProxy to take replica 3 out");
            await load.AtLeastAsync(afterKill + 100);
            await load.StopAsync();

            load.Failures.ShouldBeEmpty("2026-07-28 calls retried on a client's usual terms (connection error, 502, 503) all succeed");
            var orphan = sessions[2];
            await Eventually.ValueAsync(
                () => client.CallInSessionAsync(own.McpUrl, orphan, "alpha_1mcp_echo", new JsonObject { ["message"] = "anyone?" }),
                answer => answer.Status == HttpStatusCode.NotFound,
                "a 404 for the session whose replica is gone");
            for (var i = 0; i < 4; i++)
            {
                var answer = await client.CallInSessionAsync(own.McpUrl, orphan, "alpha_1mcp_echo", new JsonObject { ["message"] = "anyone?" });
                answer.Status.ShouldBe(HttpStatusCode.NotFound, answer.Text);
            }

            var fresh = await client.OpenSessionAsync(own.McpUrl);
            await CallsSucceedInSessionAsync(client, own, fresh, times: 4);
            await CallsSucceedInSessionAsync(client, own, sessions[0], times: 4);
            await CallsSucceedInSessionAsync(client, own, sessions[1], times: 4);
        }
        catch (Exception e) when (e is ShouldAssertException or TimeoutException)
        {
            throw new ShouldAssertException(e.Message + "\n" + own.Describe(), e);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task PostgresStoppedForTenSecondsUnderLoad_ToolCallsKeepWorkingOnEveryReplica_ReadyAndRestAnswer503_AndAllRecoversWithoutARestart()
    {
        var own = new ReplicaCluster();
        try
        {
            await own.InitializeAsync();
            using var client = new ReplicaClient(own.AdminToken);
            for (var i = 1; i <= ReplicaCluster.Size; i++)
            {
                (await client.CallToolAsync(own.ReplicaMcpUrl(i), "alpha_1mcp_echo", new JsonObject { ["message"] = "warm" })).IsToolSuccess.ShouldBeTrue();
            }

            using var load = new CallLoad(client, own.McpUrl, retrying: false);
            await load.AtLeastAsync(20);
            var pids = Enumerable.Range(1, ReplicaCluster.Size).Select(i => own.Replica(i).Id).ToArray();

            await own.Postgres.StopAsync();
            var outage = Stopwatch.StartNew();
            var duringOutage = load.Calls;
            for (var i = 1; i <= ReplicaCluster.Size; i++)
            {
                var index = i;
                var ready = await Eventually.ValueAsync(() => ReadyAsync(own, index), r => r.Status == HttpStatusCode.ServiceUnavailable, $"replica {index}'s /health/ready to answer 503");
                ready.Text.ShouldContain("database", Case.Insensitive, "the reason");
                var rest = await Eventually.ValueAsync(() => own.RestAsync(index, HttpMethod.Get, "/api/backends"), r => r.Status == HttpStatusCode.ServiceUnavailable, $"replica {index}'s REST to answer 503");
                rest.RetryAfter.ShouldNotBeNull("503 carries Retry-After");
                rest.Text.ShouldContain("\"status\":503");
            }

            // The outage lasts ten seconds; all along, every replica answers tool calls directly too.
            while (outage.Elapsed < TimeSpan.FromSeconds(10))
            {
                for (var i = 1; i <= ReplicaCluster.Size; i++)
                {
                    var answer = await client.CallToolAsync(own.ReplicaMcpUrl(i), "alpha_1mcp_echo", new JsonObject { ["message"] = "no database" });
                    answer.IsToolSuccess.ShouldBeTrue($"replica {i} during the outage: {(int)answer.Status} {answer.Text}");
                }
            }

            load.Calls.ShouldBeGreaterThan(duringOutage + 20, "calls through HAProxy went on during the outage");
            await own.Postgres.RestartAsync();

            for (var i = 1; i <= ReplicaCluster.Size; i++)
            {
                var index = i;
                await Eventually.ValueAsync(() => ReadyAsync(own, index), r => r.Status == HttpStatusCode.OK, $"replica {index} to be ready again");
                await Eventually.ValueAsync(() => own.RestAsync(index, HttpMethod.Get, "/api/backends"), r => r.Status == HttpStatusCode.OK, $"replica {index}'s REST to answer again");
            }

            var (created, text, _) = await own.RestAsync(2, HttpMethod.Post, "/api/presets", new JsonObject { ["name"] = "after-outage", ["expression"] = "web" });
            created.ShouldBe(HttpStatusCode.Created, text);
            (await own.RestAsync(3, HttpMethod.Get, "/api/presets/after-outage")).Status.ShouldBe(HttpStatusCode.OK);
            await Eventually.ValueAsync(own.Haproxy.ServersAsync, servers => servers.All(s => s.Status == "UP"), "HAProxy to see every replica ready again");
            await load.StopAsync();

            load.Failures.ShouldBeEmpty("tool calls through HAProxy while PostgreSQL was down and after");
            Enumerable.Range(1, ReplicaCluster.Size).Select(i => own.Replica(i).Id).ShouldBe(pids, "no replica restarted");
            Enumerable.Range(1, ReplicaCluster.Size).ShouldAllBe(i => !own.Replica(i).HasExited);
        }
        catch (Exception e) when (e is ShouldAssertException or TimeoutException)
        {
            throw new ShouldAssertException(e.Message + "\n" + own.Describe(), e);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    private static async Task<double[]> ServedAsync(ReplicaCluster cluster) =>
        await Task.WhenAll(Enumerable.Range(1, ReplicaCluster.Size).Select(cluster.ToolCallsServedAsync));

    private static async Task<(string User, string Password)> NewMemberAsync(ReplicaCluster cluster)
    {
        var user = "m" + Guid.NewGuid().ToString("N")[..10];
        await cluster.AddUserAsync(user, MemberPassword);
        return (user, MemberPassword);
    }

    private static async Task<string> MemberTokenAsync(ReplicaCluster cluster)
    {
        var (user, password) = await NewMemberAsync(cluster);
        return await cluster.TokenAsync(user, password, []);
    }

    /// <summary>The token works on every replica (which then has its validation cached).</summary>
    private async Task AcceptedEverywhereAsync(ReplicaClient client)
    {
        for (var i = 1; i <= ReplicaCluster.Size; i++)
        {
            var answer = await client.StatelessAsync(cluster.ReplicaMcpUrl(i), "tools/list");
            answer.Status.ShouldBe(HttpStatusCode.OK, $"replica {i}: {answer.Text}");
        }
    }

    private async Task RefusedEverywhereWithinASecondAsync(ReplicaClient client, Stopwatch clock, string what)
    {
        var refusedAt = await Task.WhenAll(Enumerable.Range(1, ReplicaCluster.Size).Select(async i =>
        {
            await Eventually.ValueAsync(
                () => client.StatelessAsync(cluster.ReplicaMcpUrl(i), "tools/list"), a => a.Status == HttpStatusCode.Unauthorized, $"replica {i} to refuse {what}", Second);
            return clock.Elapsed;
        }));

        refusedAt.ShouldAllBe(t => t <= Second, $"refused by every replica within 1 s ({string.Join(", ", refusedAt.Select(t => $"{t.TotalMilliseconds:F0} ms"))})");
    }

    private static async Task CallsSucceedInSessionAsync(ReplicaClient client, ReplicaCluster cluster, string session, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var answer = await client.CallInSessionAsync(cluster.McpUrl, session, "alpha_1mcp_echo", new JsonObject { ["message"] = $"in session {i}" });
            answer.IsToolSuccess.ShouldBeTrue($"session {session}, call {i}: {(int)answer.Status} {answer.Text}");
            answer.FirstText.ShouldBe($"in session {i}");
        }
    }

    private static async Task<(HttpStatusCode Status, string Text)> ReadyAsync(ReplicaCluster cluster, int index)
    {
        using var http = new HttpClient { BaseAddress = cluster.ReplicaUrl(index), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", cluster.AdminToken);
        using var response = await http.GetAsync("/health/ready");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<IReadOnlyList<string>> BackendsRunningOnAsync(int replica)
    {
        var (status, text, _) = await cluster.RestAsync(replica, HttpMethod.Get, "/health");
        status.ShouldBe(HttpStatusCode.OK, text);
        return [.. JsonNode.Parse(text)!["backends"]!.AsArray().Select(b => b!["name"]!.GetValue<string>())];
    }
}
