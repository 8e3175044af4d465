using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Npgsql;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// The change feed (ADR 0030) between two real replicas on one PostgreSQL database: what is changed on A reaches B
/// within a second (backends, presets, revoked tokens, disabled users), and after B's listen connection was lost,
/// what it missed is read again once it is back. The tests share one pair of replicas (<see cref="SharedReplicas"/>),
/// each with users, backends and presets of its own, and remove the backends and presets they added (B forgetting them
/// too) before they end, so that each starts from a pair serving nothing; the test that cuts the listen connections
/// starts a pair of its own.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class ChangeFeedTests(PostgresFixture postgres, ChangeFeedTests.SharedReplicas shared) : IClassFixture<ChangeFeedTests.SharedReplicas>, IAsyncLifetime
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
    private readonly TestDirectory _directory = new();
    private ChangeFeedReplicas? _replicas;
    private ChangeFeedReplicas? _own;

    private ChangeFeedReplicas Replicas => _replicas ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _replicas = await shared.StartedAsync(postgres);

    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task BackendAddedOnA_IsServedByB_WithListChanged_AndDisabledOnA_LeavesBWithinOneSecond()
    {
        var changes = new NotificationLog();
        await using var session = await Replicas.LegacyClientAsync(Replicas.B, changes);
        (await ToolNamesAsync(session)).ShouldBeEmpty();

        var created = await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/backends", Definitions.TestServer("gamma"));
        created.Status.ShouldBe(HttpStatusCode.Created, created.Text);

        await changes.AtLeastAsync(1, "tools/list_changed on B's session");
        await Eventually.ValueAsync(() => ToolNamesAsync(session), names => names.Contains("gamma_1mcp_echo"), "B to list gamma's tools");
        (await Replicas.RestAsync(Replicas.B, HttpMethod.Get, "/api/backends/gamma")).Json!["runtime"]!["status"]!.GetValue<string>().ShouldBe("connected");

        var disabled = await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/backends/gamma/disable");
        disabled.Status.ShouldBe(HttpStatusCode.OK, disabled.Text);
        await Eventually.ValueAsync(() => ToolNamesAsync(session), names => !names.Contains("gamma_1mcp_echo"), "B to drop gamma's tools", OneSecond);
        await RemoveAsync(backends: ["gamma"]);
    }

    [Fact]
    public async Task UserConnectionChangedOnA_IsFollowedByB_AndDisconnectedOnA_IsRefusedByBWithinOneSecond()
    {
        var keyed = Definitions.TestServer("keyed");
        keyed["credentials"] = "perUser";
        keyed["env"] = new JsonObject { ["USER_KEY"] = "${user:API_KEY}" };
        (await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/backends", keyed)).Status.ShouldBe(HttpStatusCode.Created);
        var first = await Replicas.RestAsync(Replicas.A, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = "first-key-8d1" });
        first.Status.ShouldBe(HttpStatusCode.OK, first.Text);
        await using var session = await Replicas.LegacyClientAsync(Replicas.B, new NotificationLog());
        await Eventually.ValueAsync(() => UserKeyOnAsync(session), key => key == "first-key-8d1", "B to run keyed with the key set on A");

        // B's running instance has the old key: the change releases it there, and the next call starts one with the new key.
        (await Replicas.RestAsync(Replicas.A, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = "second-key-3f7" })).Status.ShouldBe(HttpStatusCode.OK);
        await Eventually.ValueAsync(() => UserKeyOnAsync(session), key => key == "second-key-3f7", "B to run keyed with the new key");

        (await Replicas.RestAsync(Replicas.A, HttpMethod.Delete, "/api/me/connections/keyed")).Status.ShouldBe(HttpStatusCode.NoContent);
        var refused = await Eventually.ValueAsync(
            () => session.CallToolAsync("keyed_1mcp_env", new Dictionary<string, object?> { ["name"] = "USER_KEY" }).AsTask(),
            r => r.IsError == true, "B to refuse the call of a user who disconnected on A", OneSecond);
        string.Concat(refused.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(t => t.Text)).ShouldContain("keyed");
        await RemoveAsync(backends: ["keyed"]);
    }

    [Fact]
    public async Task ConnectionMadeOnA_IsUsedByB_WithinOneSecond_AndSoIsItsChange()
    {
        // An HTTP backend, so that what is timed is the replicas following each other, not a process starting.
        await using var server = await HttpTestServer.StartAsync("vaulted");
        var vaulted = ConfigBuilder.HttpServer(server.McpUrl, null);
        vaulted["name"] = "vaulted";
        vaulted["credentials"] = "perUser";
        vaulted["headers"] = new JsonObject { ["X-Api-Key"] = "${user:API_KEY}" };
        // B first calls a shared backend on the same server (untimed): the first MCP-over-HTTP connection of a fresh
        // process costs about a second of JIT, which is the process warming up, not the replicas following each other.
        var warm = ConfigBuilder.HttpServer(server.McpUrl, null);
        warm["name"] = "warm";
        (await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/backends", warm)).Status.ShouldBe(HttpStatusCode.Created);
        await using var session = await Replicas.LegacyClientAsync(Replicas.B, new NotificationLog());
        await Eventually.ValueAsync(
            async () => (await session.CallToolAsync("warm_1mcp_request_header", new Dictionary<string, object?> { ["name"] = "X-Api-Key" })).IsError != true,
            called => called, "B to call the shared backend");
        (await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/backends", vaulted)).Status.ShouldBe(HttpStatusCode.Created);

        (await Replicas.RestAsync(Replicas.A, HttpMethod.Put, "/api/me/connections/vaulted/secrets", new JsonObject { ["API_KEY"] = "made-on-a-41c" })).Status.ShouldBe(HttpStatusCode.OK);
        await Eventually.ValueAsync(() => ApiKeyOnAsync(session), key => key == "made-on-a-41c", "B to call vaulted with the key set on A", OneSecond);

        (await Replicas.RestAsync(Replicas.A, HttpMethod.Put, "/api/me/connections/vaulted/secrets", new JsonObject { ["API_KEY"] = "changed-on-a-9e0" })).Status.ShouldBe(HttpStatusCode.OK);
        await Eventually.ValueAsync(() => ApiKeyOnAsync(session), key => key == "changed-on-a-9e0", "B to call vaulted with the changed key", OneSecond);
        await RemoveAsync(backends: ["warm", "vaulted"]);
    }

    [Fact]
    public async Task PresetEditedOnA_ChangesWhatAPresetSessionOnBSees_WithinOneSecond()
    {
        await AddBackendsAsync();
        var created = await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/presets", new JsonObject { ["name"] = "team", ["expression"] = "a" });
        created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
        var changes = new NotificationLog();
        await using var session = await Replicas.LegacyClientAsync(Replicas.B, changes, "?preset=team");
        (await ToolNamesAsync(session)).ShouldAllBe(name => name.StartsWith("alpha_", StringComparison.Ordinal));

        var updated = await Replicas.RestAsync(Replicas.A, HttpMethod.Put, "/api/presets/team", new JsonObject { ["expression"] = "b", ["expectedVersion"] = 1 });
        updated.Status.ShouldBe(HttpStatusCode.OK, updated.Text);

        await Eventually.TrueAsync(() => changes.Count >= 1, "tools/list_changed on B's preset session", OneSecond);
        var names = await ToolNamesAsync(session);
        names.ShouldContain("beta_1mcp_echo");
        names.ShouldNotContain("alpha_1mcp_echo");
        await RemoveAsync(presets: ["team"], backends: ["alpha", "beta"]);
    }

    [Fact]
    public async Task TokenRevokedOnA_IsRefusedByB_WithinOneSecond()
    {
        var (client, token) = await ChangeFeedReplicas.TokenAsync(Replicas.A, ChangeFeedReplicas.Admin, ChangeFeedReplicas.Password, []);

        // B validates it once and caches that validation (for 10 s without the feed).
        (await ToolsListStatusAsync(Replicas.B, token)).ShouldBe(HttpStatusCode.OK);

        var revoked = await new OAuthFlowDriver(Replicas.A.BaseUrl).RevokeAsync(client, token);
        revoked.IsSuccess.ShouldBeTrue(revoked.Body);

        await Eventually.ValueAsync(() => ToolsListStatusAsync(Replicas.B, token), s => s == HttpStatusCode.Unauthorized, "B to refuse the revoked token", OneSecond);
    }

    [Fact]
    public async Task UserDisabledOnA_TheirTokenIsRefusedByB_WithinOneSecond()
    {
        const string User = "carol";
        var added = await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/users",
            new JsonObject { ["userName"] = User, ["password"] = ChangeFeedReplicas.Password, ["role"] = "admin" });
        added.Status.ShouldBe(HttpStatusCode.Created, added.Text);
        var (_, token) = await ChangeFeedReplicas.TokenAsync(Replicas.A, User, ChangeFeedReplicas.Password, []);
        (await ToolsListStatusAsync(Replicas.B, token)).ShouldBe(HttpStatusCode.OK);

        var disabled = await Replicas.RestAsync(Replicas.A, HttpMethod.Patch, $"/api/users/{User}", new JsonObject { ["disabled"] = true });
        disabled.Status.ShouldBe(HttpStatusCode.OK, disabled.Text);

        await Eventually.ValueAsync(() => ToolsListStatusAsync(Replicas.B, token), s => s == HttpStatusCode.Unauthorized, "B to refuse the disabled user's token", OneSecond);
    }

    [Fact]
    public async Task UserRemovedWithTheCommandLine_TheirTokenIsRefusedByTheRunningReplicas_WithinOneSecond()
    {
        const string User = "dave";
        var added = await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/users",
            new JsonObject { ["userName"] = User, ["password"] = ChangeFeedReplicas.Password, ["role"] = "admin" });
        added.Status.ShouldBe(HttpStatusCode.Created, added.Text);
        var (_, token) = await ChangeFeedReplicas.TokenAsync(Replicas.A, User, ChangeFeedReplicas.Password, []);
        (await ToolsListStatusAsync(Replicas.A, token)).ShouldBe(HttpStatusCode.OK);
        (await ToolsListStatusAsync(Replicas.B, token)).ShouldBe(HttpStatusCode.OK);

        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync(["users", "remove", User, "--database", Replicas.ConnectionString], _directory.Path);
        exitCode.ShouldBe(0, string.Join('\n', stdout.Concat(stderr)));

        foreach (var replica in new[] { Replicas.A, Replicas.B })
        {
            await Eventually.ValueAsync(() => ToolsListStatusAsync(replica, token), s => s == HttpStatusCode.Unauthorized, "the replica to refuse the removed user's token", OneSecond);
        }
    }

    [Fact]
    public async Task ListenConnectionLost_WhatBMissedIsSeenOnceItIsBack()
    {
        // It cuts both replicas' listen connections: on a pair of its own.
        _own = await ChangeFeedReplicas.StartAsync(postgres, _directory);
        _replicas = _own;
        await AddBackendsAsync();
        var created = await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/presets", new JsonObject { ["name"] = "team", ["expression"] = "a" });
        created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
        var changes = new NotificationLog();
        await using var session = await Replicas.LegacyClientAsync(Replicas.B, changes, "?preset=team");
        (await ToolNamesAsync(session)).ShouldAllBe(name => name.StartsWith("alpha_", StringComparison.Ordinal));

        // A change no notification will ever announce, as one made while B was not listening: only B's
        // resynchronisation after the lost connection can bring it.
        await Replicas.ExecuteAsync(
            "UPDATE presets SET expression = @Expression, version = version + 1 WHERE name = @Name",
            new NpgsqlParameter("Expression", "b"), new NpgsqlParameter("Name", "team"));
        (await Replicas.TerminateListenConnectionsAsync()).ShouldBe(2, "one listen connection per replica");

        await changes.AtLeastAsync(1, "tools/list_changed on B's preset session after B resynchronised");
        var names = await ToolNamesAsync(session);
        names.ShouldContain("beta_1mcp_echo");
        names.ShouldNotContain("alpha_1mcp_echo");
        await Eventually.TrueAsync(
            () => Replicas.B.StandardOutput.Concat(Replicas.B.StandardError).Any(l => l.Contains("Listening for other replicas' changes again", StringComparison.Ordinal)),
            "B to log that it listens again");
        Replicas.B.StandardOutput.Concat(Replicas.B.StandardError).ShouldContain(l => l.Contains("Lost the connection that listens for other replicas' changes", StringComparison.Ordinal));
    }

    /// <summary>Removes the presets and backends a test added on the shared pair, and waits until B serves none of their tools.</summary>
    private async Task RemoveAsync(string[]? presets = null, string[]? backends = null)
    {
        foreach (var (kind, name) in (presets ?? []).Select(p => ("presets", p)).Concat((backends ?? []).Select(b => ("backends", b))))
        {
            var removed = await Replicas.RestAsync(Replicas.A, HttpMethod.Delete, $"/api/{kind}/{name}");
            removed.Status.ShouldBe(HttpStatusCode.NoContent, removed.Text);
            await Eventually.ValueAsync(
                () => Replicas.RestAsync(Replicas.B, HttpMethod.Get, $"/api/{kind}/{name}"), r => r.Status == HttpStatusCode.NotFound, $"B to forget the {kind} {name}");
        }

        await using var everything = await Replicas.LegacyClientAsync(Replicas.B, new NotificationLog());
        await Eventually.ValueAsync(
            () => ToolNamesAsync(everything), names => !names.Any(n => (backends ?? []).Any(b => n.StartsWith(b + "_", StringComparison.Ordinal))), "B to serve no tool of the removed backends");
    }

    // alpha (tag a) and beta (tag b), added on A and served by B.
    private async Task AddBackendsAsync()
    {
        foreach (var (name, tag) in new[] { ("alpha", "a"), ("beta", "b") })
        {
            var created = await Replicas.RestAsync(Replicas.A, HttpMethod.Post, "/api/backends", Definitions.TestServer(name, tag));
            created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
        }

        await using var everything = await Replicas.LegacyClientAsync(Replicas.B, new NotificationLog());
        await Eventually.ValueAsync(
            () => ToolNamesAsync(everything), names => names.Contains("alpha_1mcp_echo") && names.Contains("beta_1mcp_echo"), "B to serve alpha and beta");
    }

    /// <summary>The USER_KEY the caller's instance of keyed runs with; null when the call was refused.</summary>
    private static async Task<string?> UserKeyOnAsync(McpClient client)
    {
        var result = await client.CallToolAsync("keyed_1mcp_env", new Dictionary<string, object?> { ["name"] = "USER_KEY" });
        var text = string.Concat(result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(t => t.Text));
        return result.IsError == true ? null : JsonNode.Parse(text)?["value"]?.GetValue<string>();
    }

    // Before B knows the backend's tools (or the user's connection) the call fails; that is "not yet".
    private static async Task<string?> ApiKeyOnAsync(McpClient client)
    {
        try
        {
            var result = await client.CallToolAsync("vaulted_1mcp_request_header", new Dictionary<string, object?> { ["name"] = "X-Api-Key" });
            var text = string.Concat(result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(t => t.Text));
            return result.IsError == true ? null : JsonNode.Parse(text)?["value"]?.GetValue<string>();
        }
        catch (McpException)
        {
            return null;
        }
    }

    private static async Task<List<string>> ToolNamesAsync(McpClient client) => [.. (await client.ListToolsAsync()).Select(t => t.Name)];

    private static async Task<HttpStatusCode> ToolsListStatusAsync(GatewayProcess gateway, string token) =>
        (await StatelessRequest.SendAsync(gateway.McpUrl, "tools/list", token: token)).Status;

    /// <summary>The pair of replicas the class's tests share, started by the first that asks (on the PostgreSQL collection's server).</summary>
    public sealed class SharedReplicas : IAsyncLifetime
    {
        private readonly TestDirectory _directory = new();
        private readonly Lock _lock = new();
        private Task<ChangeFeedReplicas>? _started;

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_started is { IsCompletedSuccessfully: true })
            {
                await _started.Result.DisposeAsync();
            }

            _directory.Dispose();
        }

        internal Task<ChangeFeedReplicas> StartedAsync(PostgresFixture postgres)
        {
            lock (_lock)
            {
                return _started ??= ChangeFeedReplicas.StartAsync(postgres, _directory);
            }
        }
    }
}
