using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class GatewayEngineCallToolTests
{
    private static EngineFixture Fixture(out FakeBackend web, out FakeBackend db)
    {
        web = Backend.Named("web").Tagged("web").DisablingTools("danger").Connected(Caps.New().Tools("fetch", "danger"));
        db = Backend.Named("db").Tagged("db").Connected(Caps.New().Tools("query"));
        return new EngineFixture(web, db);
    }

    private static CallToolRequestParams Call(string name, JsonObject? meta = null) =>
        new() { Name = name, Arguments = Mcp.Arguments(("q", "select 1"), ("limit", 5)), Meta = meta };

    [Fact]
    public async Task CallToolAsync_WhenToolVisible_ForwardsUnprefixedNameAndArgumentsAndReturnsResult()
    {
        using var fixture = Fixture(out _, out var db);
        var session = fixture.Session();
        var request = Call("db_1mcp_query");

        var result = await fixture.Engine.CallToolAsync(session, new RecordingPeer(), request, CancellationToken.None);

        ((TextContentBlock)result.Content.Single()).Text.ShouldBe("result of query");
        var forwarded = db.Requests<CallToolRequestParams>().Single();
        forwarded.Name.ShouldBe("query");
        forwarded.Arguments.ShouldNotBeNull();
        forwarded.Arguments.Keys.ShouldBe(["q", "limit"]);
        forwarded.Arguments["q"].GetString().ShouldBe("select 1");
        forwarded.Arguments["limit"].GetInt32().ShouldBe(5);
    }

    [Fact]
    public async Task CallToolAsync_WhenToolVisible_CallsOnlyTheOwningBackend()
    {
        using var fixture = Fixture(out var web, out var db);

        await fixture.Engine.CallToolAsync(fixture.Session(), new RecordingPeer(), Call("web_1mcp_fetch"), CancellationToken.None);

        web.Requests<CallToolRequestParams>().Select(r => r.Name).ShouldBe(["fetch"]);
        db.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_WhenMetaHasProgressToken_ForwardsMetaWithoutIt()
    {
        using var fixture = Fixture(out _, out var db);
        var meta = new JsonObject { ["progressToken"] = "client-1", ["trace"] = "abc" };

        await fixture.Engine.CallToolAsync(fixture.Session(), new RecordingPeer(), Call("db_1mcp_query", meta), CancellationToken.None);

        var forwarded = db.Requests<CallToolRequestParams>().Single();
        forwarded.Meta.ShouldNotBeNull();
        forwarded.Meta.ToJsonString().ShouldBe("""{"trace":"abc"}""");
        forwarded.ProgressToken.ShouldBeNull();
        meta.ContainsKey("progressToken").ShouldBeTrue("the client's own request must not be altered");
    }

    [Fact]
    public async Task CallToolAsync_WhenMetaHoldsOnlyProgressToken_ForwardsNoMeta()
    {
        using var fixture = Fixture(out _, out var db);

        await fixture.Engine.CallToolAsync(
            fixture.Session(), new RecordingPeer(), Call("db_1mcp_query", new JsonObject { ["progressToken"] = 7L }), CancellationToken.None);

        db.Requests<CallToolRequestParams>().Single().Meta.ShouldBeNull();
        db.Calls.Single().Progress.ShouldNotBeNull();
    }

    [Fact]
    public async Task CallToolAsync_WhenMetaHasNoProgressToken_ForwardsMetaAndNoProgressSink()
    {
        using var fixture = Fixture(out _, out var db);

        await fixture.Engine.CallToolAsync(
            fixture.Session(), new RecordingPeer(), Call("db_1mcp_query", new JsonObject { ["trace"] = "t" }), CancellationToken.None);

        db.Requests<CallToolRequestParams>().Single().Meta!.ToJsonString().ShouldBe("""{"trace":"t"}""");
        db.Calls.Single().Progress.ShouldBeNull();
    }

    public static TheoryData<string> HiddenOrUnknownTools =>
    [
        "db_1mcp_nope",          // unknown tool of a visible backend
        "web_1mcp_danger",       // disabled tool
        "web_1mcp_fetch",        // tool of a backend the filter hides
        "down_1mcp_t",           // backend not connected
        "off_1mcp_t",            // backend disabled
        "ghost_1mcp_query",      // no such backend
        "db_1mcp_fetch",         // another backend's tool under the wrong prefix
        "query",                 // no prefix
        "bad name_1mcp_query",   // not a valid server name
        "-db_1mcp_query",        // not a valid server name
        "db_1mcp_",              // nothing after the separator
        "",
    ];

    [Theory]
    [MemberData(nameof(HiddenOrUnknownTools))]
    public async Task CallToolAsync_WhenToolHiddenOrUnknown_ThrowsTheSameUnknownToolError(string name)
    {
        using var fixture = Fixture(out var web, out var db);
        var down = Backend.Named("down").In(BackendStatus.Error, Caps.New().Tools("t"));
        var off = Backend.Named("off").Disabled().Connected(Caps.New().Tools("t"));
        fixture.Pool.Add(down);
        fixture.Pool.Add(off);
        var session = fixture.Session(tagFilter: "not web");

        var ex = await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.CallToolAsync(session, new RecordingPeer(), Call(name), CancellationToken.None));

        ex.GetType().ShouldBe(typeof(McpProtocolException));
        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        ex.Message.ShouldBe($"Unknown tool: '{name}'.");
        new[] { web, db, down, off }.ShouldAllBe(b => b.Calls.Count == 0);
    }

    [Fact]
    public async Task CallToolAsync_WhenToolOfFilteredBackend_IsIndistinguishableFromUnknownTool()
    {
        using var fixture = Fixture(out _, out _);
        var session = fixture.Session(tags: "db");

        var hidden = await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.CallToolAsync(session, new RecordingPeer(), Call("web_1mcp_fetch"), CancellationToken.None));
        var unknown = await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.CallToolAsync(session, new RecordingPeer(), Call("web_1mcp_zzzzz"), CancellationToken.None));

        hidden.GetType().ShouldBe(unknown.GetType());
        hidden.ErrorCode.ShouldBe(unknown.ErrorCode);
        hidden.Message.Replace("fetch", "zzzzz", StringComparison.Ordinal).ShouldBe(unknown.Message);
    }

    [Fact]
    public async Task CallToolAsync_WhenBackendThrows_PropagatesTheBackendsError()
    {
        using var fixture = Fixture(out _, out var db);
        var failure = new McpProtocolException("backend says no", McpErrorCode.InternalError);
        db.Fail(RequestMethods.ToolsCall, failure);

        var ex = await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.CallToolAsync(fixture.Session(), new RecordingPeer(), Call("db_1mcp_query"), CancellationToken.None));

        ex.ShouldBeSameAs(failure);
    }

    [Theory]
    [InlineData("client-token")]
    [InlineData(42L)]
    public async Task CallToolAsync_WhenBackendReportsProgress_ForwardsItWithTheClientsTokenInOrder(object token)
    {
        using var fixture = Fixture(out _, out var db);
        db.ProgressToReport.AddRange(
        [
            new ProgressNotificationValue { Progress = 1, Total = 3, Message = "one" },
            new ProgressNotificationValue { Progress = 2, Total = 3, Message = "two" },
            new ProgressNotificationValue { Progress = 3, Total = 3, Message = "three" },
        ]);
        var caller = new RecordingPeer("caller");
        var tokenJson = JsonSerializer.Serialize(token);
        var meta = new JsonObject { ["progressToken"] = JsonNode.Parse(tokenJson) };

        await fixture.Engine.CallToolAsync(fixture.Session(), caller, Call("db_1mcp_query", meta), CancellationToken.None);

        caller.Methods.ShouldBe([NotificationMethods.ProgressNotification, NotificationMethods.ProgressNotification, NotificationMethods.ProgressNotification]);
        caller.Notifications.Select(n => n.Params!["progressToken"]!.ToJsonString()).ShouldAllBe(t => t == tokenJson);
        caller.Notifications.Select(n => (double)n.Params!["progress"]!).ShouldBe([1d, 2d, 3d]);
        caller.Notifications.Select(n => (string?)n.Params!["message"]).ShouldBe(["one", "two", "three"]);
        caller.Notifications.ShouldAllBe(n => (double)n.Params!["total"]! == 3d);
    }

    [Fact]
    public async Task CallToolAsync_WhenBackendReportsProgress_TellsNoOtherPeer()
    {
        using var fixture = Fixture(out _, out var db);
        db.ProgressToReport.Add(new ProgressNotificationValue { Progress = 1 });
        var session = fixture.Session();
        var other = fixture.Session();
        var caller = new RecordingPeer("caller");

        await fixture.Engine.CallToolAsync(session, caller, Call("db_1mcp_query", new JsonObject { ["progressToken"] = "p" }), CancellationToken.None);

        caller.Notifications.Count.ShouldBe(1);
        EngineFixture.PeerOf(session).Notifications.ShouldBeEmpty();
        EngineFixture.PeerOf(other).Notifications.ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_WhenProgressStillBeingSent_ReturnsOnlyAfterEveryProgressNotificationWasSentInSequence()
    {
        using var fixture = Fixture(out _, out var db);
        db.ProgressToReport.AddRange([new ProgressNotificationValue { Progress = 1 }, new ProgressNotificationValue { Progress = 2 }]);
        var caller = new RecordingPeer("caller");
        caller.HoldNotifications();

        var call = fixture.Engine.CallToolAsync(
            fixture.Session(), caller, Call("db_1mcp_query", new JsonObject { ["progressToken"] = "p" }), CancellationToken.None).AsTask();

        // The first send is held, so the second has not started and the result is not released yet.
        caller.Notifications.Count.ShouldBe(1);
        call.IsCompleted.ShouldBeFalse();

        caller.ReleaseNotifications();
        var result = await call.WaitAsync(EngineFixture.Timeout);

        result.IsError.ShouldNotBe(true);
        caller.Notifications.Select(n => (double)n.Params!["progress"]!).ShouldBe([1d, 2d]);
    }

    [Fact]
    public async Task CallToolAsync_WhenBackendProgressArrivesOutOfOrder_ForwardsOnlyIncreasingValues()
    {
        using var fixture = Fixture(out _, out var db);
        float[] reported = [1, 3, 2, 3, 4];
        db.ProgressToReport.AddRange(reported.Select(p => new ProgressNotificationValue { Progress = p }));
        var caller = new RecordingPeer("caller");

        await fixture.Engine.CallToolAsync(
            fixture.Session(), caller, Call("db_1mcp_query", new JsonObject { ["progressToken"] = "p" }), CancellationToken.None);

        caller.Notifications.Select(n => (double)n.Params!["progress"]!).ShouldBe([1d, 3d, 4d]);
    }

    [Fact]
    public async Task CallToolAsync_WhenNoProgressToken_SendsNoProgressEvenIfBackendReportsSome()
    {
        using var fixture = Fixture(out _, out var db);
        db.ProgressToReport.Add(new ProgressNotificationValue { Progress = 1 });
        var caller = new RecordingPeer("caller");

        await fixture.Engine.CallToolAsync(fixture.Session(), caller, Call("db_1mcp_query"), CancellationToken.None);

        caller.Notifications.ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_WhenCallerIsGone_StillReturnsTheResult()
    {
        using var fixture = Fixture(out _, out var db);
        db.ProgressToReport.Add(new ProgressNotificationValue { Progress = 1 });
        var caller = new RecordingPeer("caller") { NotificationFailure = new IOException("connection reset") };

        var result = await fixture.Engine.CallToolAsync(
            fixture.Session(), caller, Call("db_1mcp_query", new JsonObject { ["progressToken"] = "p" }), CancellationToken.None);

        ((TextContentBlock)result.Content.Single()).Text.ShouldBe("result of query");
    }

    [Fact]
    public async Task CallToolAsync_WhileRunning_RecordsTheCallerAsInFlightOnThatBackendOnly()
    {
        using var fixture = Fixture(out var web, out var db);
        var hold = db.Hold(RequestMethods.ToolsCall);
        var caller = new RecordingPeer("caller");

        var call = fixture.Engine.CallToolAsync(fixture.Session(), caller, Call("db_1mcp_query"), CancellationToken.None).AsTask();
        await hold.Entered.WaitAsync(EngineFixture.Timeout);

        fixture.InFlight.CallersOn(db.Name).ShouldBe([caller]);
        fixture.InFlight.CallersOn(web.Name).ShouldBeEmpty();

        hold.Release();
        await call.WaitAsync(EngineFixture.Timeout);
        fixture.InFlight.CallersOn(db.Name).ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_WhenBackendSamplesDuringTheCall_AsksTheCallingClient()
    {
        using var fixture = Fixture(out _, out var db);
        var hold = db.Hold(RequestMethods.ToolsCall);
        var session = fixture.Session();
        var caller = new RecordingPeer("caller");
        var call = fixture.Engine.CallToolAsync(session, caller, Call("db_1mcp_query"), CancellationToken.None).AsTask();
        await hold.Entered.WaitAsync(EngineFixture.Timeout);
        var request = new CreateMessageRequestParams { MaxTokens = 10, Messages = [] };

        var sample = await fixture.Router.SampleAsync(db, request, CancellationToken.None);

        hold.Release();
        await call.WaitAsync(EngineFixture.Timeout);
        sample.Model.ShouldBe("canned-model");
        caller.Requests.ShouldBe([request]);
        EngineFixture.PeerOf(session).Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_WhenBackendFails_ReleasesTheInFlightRecord()
    {
        using var fixture = Fixture(out _, out var db);
        db.Fail(RequestMethods.ToolsCall, new InvalidOperationException("boom"));

        await Should.ThrowAsync<InvalidOperationException>(
            async () => await fixture.Engine.CallToolAsync(fixture.Session(), new RecordingPeer(), Call("db_1mcp_query"), CancellationToken.None));

        fixture.InFlight.CallersOn(db.Name).ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_WhenCancelled_PassesCancellationToTheBackend()
    {
        using var fixture = Fixture(out _, out var db);
        db.Hold(RequestMethods.ToolsCall);
        using var cts = new CancellationTokenSource();

        var call = fixture.Engine.CallToolAsync(fixture.Session(), new RecordingPeer(), Call("db_1mcp_query"), cts.Token).AsTask();
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(call.WaitAsync(EngineFixture.Timeout));
        fixture.InFlight.CallersOn(db.Name).ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_WhenToolDisabledAfterListing_RefusesIt()
    {
        using var fixture = Fixture(out _, out var db);
        var session = fixture.Session();
        fixture.Engine.ListTools(session, null).Tools.Select(t => t.Name).ShouldContain("db_1mcp_query");
        db.Settings = db.Settings with { DisabledTools = new HashSet<string>(["query"], StringComparer.Ordinal) };

        await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.CallToolAsync(session, new RecordingPeer(), Call("db_1mcp_query"), CancellationToken.None));

        fixture.Engine.ListTools(session, null).Tools.Select(t => t.Name).ShouldNotContain("db_1mcp_query");
        db.Calls.ShouldBeEmpty();
    }
}
