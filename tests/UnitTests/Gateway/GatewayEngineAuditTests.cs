using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Audit;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>The engine records one audit entry per routed call, whatever its outcome, without the arguments.</summary>
public sealed class GatewayEngineAuditTests
{
    private static readonly AuditActor Ada = new("ada", "sub-ada", "client-1");

    private static EngineFixture Fixture(out FakeBackend web) =>
        new(web = Backend.Named("web").Tagged("web").Connected(Caps.New().Tools("fetch").Resources("file:///a.txt").Prompts("hello")));

    private static GatewaySession Session(EngineFixture fixture)
    {
        var session = new GatewaySession("s-audit", SessionFilter.None) { Actor = Ada };
        session.Attach(new RecordingPeer());
        fixture.Registry.Add(session);
        return session;
    }

    [Fact]
    public async Task CallToolAsync_WhenItSucceeds_RecordsOneSuccessWithActorBackendAndUnprefixedName()
    {
        using var fixture = Fixture(out _);

        await fixture.Engine.CallToolAsync(Session(fixture), new RecordingPeer(), new CallToolRequestParams { Name = "web_1mcp_fetch", Arguments = Mcp.Arguments(("url", "secret")) }, CancellationToken.None);

        var entry = fixture.Audit.Entries.ShouldHaveSingleItem();
        entry.Kind.ShouldBe(AuditKinds.ToolCall);
        entry.Outcome.ShouldBe(AuditOutcomes.Success);
        (entry.UserName, entry.Subject, entry.ClientId).ShouldBe(("ada", "sub-ada", "client-1"));
        entry.Backend.ShouldBe("web");
        entry.Name.ShouldBe("fetch");
        entry.ErrorCode.ShouldBeNull();
        entry.DurationMs.ShouldBeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task CallToolAsync_WhenTheToolReportsAnError_RecordsAFailureWithToolError()
    {
        using var fixture = Fixture(out var web);
        web.ToolResult = _ => new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "nope" }] };

        await fixture.Engine.CallToolAsync(Session(fixture), new RecordingPeer(), new CallToolRequestParams { Name = "web_1mcp_fetch" }, CancellationToken.None);

        var entry = fixture.Audit.Entries.ShouldHaveSingleItem();
        entry.Outcome.ShouldBe(AuditOutcomes.Failure);
        entry.ErrorCode.ShouldBe("tool_error");
    }

    [Fact]
    public async Task CallToolAsync_WhenTheToolIsUnknown_RecordsAFailureWithTheJsonRpcCodeAndTheNameSent()
    {
        using var fixture = Fixture(out _);

        await Should.ThrowAsync<McpProtocolException>(() => fixture.Engine.CallToolAsync(
            Session(fixture), new RecordingPeer(), new CallToolRequestParams { Name = "nope_1mcp_x" }, CancellationToken.None).AsTask());

        var entry = fixture.Audit.Entries.ShouldHaveSingleItem();
        entry.Outcome.ShouldBe(AuditOutcomes.Failure);
        entry.ErrorCode.ShouldBe("-32602");
        entry.Backend.ShouldBeNull();
        entry.Name.ShouldBe("nope_1mcp_x");
    }

    [Fact]
    public async Task CallToolAsync_WhenTheBackendFails_RecordsAFailureAndRethrows()
    {
        using var fixture = Fixture(out var web);
        web.Fail(RequestMethods.ToolsCall, new McpProtocolException("down", McpErrorCode.InternalError));

        await Should.ThrowAsync<McpProtocolException>(() => fixture.Engine.CallToolAsync(
            Session(fixture), new RecordingPeer(), new CallToolRequestParams { Name = "web_1mcp_fetch" }, CancellationToken.None).AsTask());

        var entry = fixture.Audit.Entries.ShouldHaveSingleItem();
        (entry.Outcome, entry.ErrorCode, entry.Backend).ShouldBe((AuditOutcomes.Failure, "-32603", "web"));
    }

    [Fact]
    public async Task ReadResourceAndGetPrompt_RecordTheirOwnKinds()
    {
        using var fixture = Fixture(out _);
        var session = Session(fixture);

        await fixture.Engine.ReadResourceAsync(session, new RecordingPeer(), new ReadResourceRequestParams { Uri = "web_1mcp_file:///a.txt" }, CancellationToken.None);
        await fixture.Engine.GetPromptAsync(session, new RecordingPeer(), new GetPromptRequestParams { Name = "web_1mcp_hello" }, CancellationToken.None);

        fixture.Audit.Entries.Select(e => (e.Kind, e.Backend, e.Name, e.Outcome)).ShouldBe(
        [
            (AuditKinds.ResourceRead, "web", "file:///a.txt", AuditOutcomes.Success),
            (AuditKinds.PromptGet, "web", "hello", AuditOutcomes.Success),
        ]);
    }
}
