using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Audit;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.InputRequests;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence.DataProtection;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>
/// MRTR towards 2026-07-28 clients: a backend's question becomes <c>input_required</c>, the retry's answer
/// reaches the backend's call that kept waiting, and a <c>requestState</c> only continues the request, the
/// caller and the time it was issued for.
/// </summary>
public sealed class InputRequiredBridgeTests
{
    private const string Digest = "digest-of-the-call";
    private static readonly ClientCapabilities CanElicitAndSample = new() { Elicitation = new(), Sampling = new() };

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly InputRequiredBridge _bridge;
    private readonly GatewaySession _alice = Session("alice");

    public InputRequiredBridgeTests() =>
        _bridge = new InputRequiredBridge(new RequestStateProtector(new EphemeralDataProtectionProvider()), new ReplicaIdentity(), _time, NullLogger<InputRequiredBridge>.Instance);

    [Fact]
    public async Task ACallThatAsksNothing_IsAnsweredAtOnce_AndLeavesNothingWaiting()
    {
        var result = await _bridge.RunAsync(First(_alice), (_, _) => ValueTask.FromResult(Text("done")), CancellationToken.None);

        TextOf(result).ShouldBe("done");
        _bridge.WaitingCount.ShouldBe(0);
    }

    [Fact]
    public async Task ABackendsElicitation_BecomesInputRequired_AndTheRetrysAnswerCompletesTheSameCall()
    {
        var calls = 0;
        var asked = await AskAsync(First(_alice), async (peer, ct) =>
        {
            calls++;
            var answer = await peer.ElicitAsync(new ElicitRequestParams { Message = "Your name?", RequestedSchema = new() }, ct);
            return Text($"{answer.Action} {answer.Content!["name"].GetString()}");
        });

        var question = asked.Result.InputRequests!.ShouldHaveSingleItem();
        question.Value.Method.ShouldBe(RequestMethods.ElicitationCreate);
        question.Value.ElicitationParams!.Message.ShouldBe("Your name?");
        asked.Result.RequestState.ShouldNotBeNullOrEmpty();
        _bridge.WaitingCount.ShouldBe(1);

        var result = await _bridge.RunAsync(Retry(_alice, asked, Elicited(question.Key, "alice")), NotCalledAgain<CallToolResult>, CancellationToken.None);

        TextOf(result).ShouldBe("accept alice");
        calls.ShouldBe(1);
        _bridge.WaitingCount.ShouldBe(0);
    }

    [Fact]
    public async Task ABackendThatAsksTwice_TakesTwoRounds()
    {
        var asked = await AskAsync(First(_alice), async (peer, ct) =>
        {
            var name = await peer.ElicitAsync(new ElicitRequestParams { Message = "Name?", RequestedSchema = new() }, ct);
            var sample = await peer.SampleAsync(new CreateMessageRequestParams { Messages = [], MaxTokens = 10 }, ct);
            return Text($"{name.Content!["name"].GetString()} / {((TextContentBlock)sample.Content[0]).Text}");
        });

        var second = await Should.ThrowAsync<InputRequiredException>(() =>
            _bridge.RunAsync(Retry(_alice, asked, Elicited(asked.Result.InputRequests!.Single().Key, "bob")), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());
        var sampling = second.Result.InputRequests!.ShouldHaveSingleItem();
        sampling.Value.Method.ShouldBe(RequestMethods.SamplingCreateMessage);

        var sampled = new Dictionary<string, InputResponse>
        {
            [sampling.Key] = InputResponse.FromSamplingResult(new CreateMessageResult { Model = "m", Role = Role.Assistant, Content = [new TextContentBlock { Text = "hi" }] }),
        };
        var result = await _bridge.RunAsync(Retry(_alice, second, sampled), NotCalledAgain<CallToolResult>, CancellationToken.None);

        TextOf(result).ShouldBe("bob / hi");
    }

    [Fact]
    public async Task AnAlteredRequestState_IsRefused_AndTheCallStillWaitsForAGoodRetry()
    {
        var asked = await AskAsync(First(_alice), ElicitName);
        var key = asked.Result.InputRequests!.Single().Key;
        var state = asked.Result.RequestState!;
        var altered = state[..^2] + (state[^2] == 'A' ? "B" : "A") + state[^1];

        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _bridge.RunAsync(Retry(_alice, altered, Elicited(key, "mallory")), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        refused.Message.ShouldContain("requestState");
        TextOf(await _bridge.RunAsync(Retry(_alice, asked, Elicited(key, "alice")), NotCalledAgain<CallToolResult>, CancellationToken.None)).ShouldBe("alice");
    }

    [Fact]
    public async Task ARequestStateNamingAnotherReplica_IsRefusedHere_AndTheCallStillWaits()
    {
        var asked = await AskAsync(First(_alice), ElicitName);
        var key = asked.Result.InputRequests!.Single().Key;
        var state = asked.Result.RequestState!;
        var replicaId = RequestStateTicket.ReplicaIdOf(state)!;
        var redirected = new ReplicaIdentity().Id + state[replicaId.Length..];

        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _bridge.RunAsync(Retry(_alice, redirected, Elicited(key, "mallory")), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        refused.Message.ShouldBe("requestState was not issued by this gateway or was altered.");
        TextOf(await _bridge.RunAsync(Retry(_alice, asked, Elicited(key, "alice")), NotCalledAgain<CallToolResult>, CancellationToken.None)).ShouldBe("alice");
    }

    [Fact]
    public async Task AnotherUsersRequestState_IsRefused()
    {
        var asked = await AskAsync(First(_alice), ElicitName);

        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _bridge.RunAsync(Retry(Session("bob"), asked, Elicited(asked.Result.InputRequests!.Single().Key, "bob")), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        refused.Message.ShouldBe("requestState was issued to another user or client.");
    }

    [Fact]
    public async Task ARequestStateOnADifferentRequest_IsRefused()
    {
        var asked = await AskAsync(First(_alice), ElicitName);
        var otherCall = new BridgedRequest(_alice, new RecordingPeer(), "digest-of-another-call", CanElicitAndSample, asked.Result.RequestState,
            Elicited(asked.Result.InputRequests!.Single().Key, "alice"));

        var refused = await Should.ThrowAsync<McpProtocolException>(() => _bridge.RunAsync(otherCall, NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());

        refused.Message.ShouldBe("requestState was issued for a different request.");
    }

    [Fact]
    public async Task AMalformedAnswer_IsRefusedNamingIt_AndChangesNothing()
    {
        var asked = await AskAsync(First(_alice), ElicitName);
        var key = asked.Result.InputRequests!.Single().Key;
        var malformed = new Dictionary<string, InputResponse> { [key] = new() { RawValue = JsonDocument.Parse("\"yes\"").RootElement } };

        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _bridge.RunAsync(Retry(_alice, asked, malformed), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        refused.Message.ShouldContain($"inputResponses.{key}");
        TextOf(await _bridge.RunAsync(Retry(_alice, asked, Elicited(key, "alice")), NotCalledAgain<CallToolResult>, CancellationToken.None)).ShouldBe("alice");
    }

    [Fact]
    public async Task ARetryWithoutTheAnswer_IsAskedAgain()
    {
        var asked = await AskAsync(First(_alice), ElicitName);

        var again = await Should.ThrowAsync<InputRequiredException>(() =>
            _bridge.RunAsync(Retry(_alice, asked, new Dictionary<string, InputResponse>()), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());

        again.Result.InputRequests!.Keys.ShouldBe(asked.Result.InputRequests!.Keys);
    }

    [Fact]
    public async Task AnAnsweredRequestState_CannotBeReplayed()
    {
        var asked = await AskAsync(First(_alice), ElicitName);
        var answer = Elicited(asked.Result.InputRequests!.Single().Key, "alice");
        await _bridge.RunAsync(Retry(_alice, asked, answer), NotCalledAgain<CallToolResult>, CancellationToken.None);

        var replayed = await Should.ThrowAsync<McpProtocolException>(() => _bridge.RunAsync(Retry(_alice, asked, answer), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());

        replayed.Message.ShouldStartWith("requestState is no longer valid");
    }

    [Fact]
    public async Task AClientThatNeverRetries_ReleasesTheBackendsCall_WhenTheAnswerWindowPasses()
    {
        var backendCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = await AskAsync(First(_alice), async (peer, ct) =>
        {
            try
            {
                await peer.ElicitAsync(new ElicitRequestParams { Message = "Name?", RequestedSchema = new() }, ct);
                return Text("never");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                backendCancelled.SetResult();
                throw;
            }
        });

        _time.Advance(InputRequiredBridge.AnswerWindow - TimeSpan.FromSeconds(1));
        _bridge.WaitingCount.ShouldBe(1);
        _time.Advance(TimeSpan.FromSeconds(1));

        await backendCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _bridge.WaitingCount.ShouldBe(0);
        var late = await Should.ThrowAsync<McpProtocolException>(() =>
            _bridge.RunAsync(Retry(_alice, asked, Elicited(asked.Result.InputRequests!.Single().Key, "alice")), NotCalledAgain<CallToolResult>, CancellationToken.None).AsTask());
        late.Message.ShouldStartWith("requestState is no longer valid");
    }

    [Fact]
    public async Task AClientThatGoesAwayDuringTheCall_CancelsTheBackendsCall()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backendCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var clientGone = new CancellationTokenSource();
        var running = _bridge.RunAsync(First(_alice), async (_, ct) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
                return Text("never");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                backendCancelled.SetResult();
                throw;
            }
        }, clientGone.Token).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await clientGone.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => running);
        await backendCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _bridge.WaitingCount.ShouldBe(0);
    }

    [Fact]
    public async Task AClientThatCannotElicit_IsNotAsked()
    {
        var request = new BridgedRequest(_alice, new RecordingPeer(), Digest, new ClientCapabilities(), null, null);
        IClientPeer? seen = null;

        await _bridge.RunAsync(request, (peer, _) => { seen = peer; return ValueTask.FromResult(Text("ok")); }, CancellationToken.None);

        seen!.SupportsElicitation.ShouldBeFalse();
        seen.SupportsSampling.ShouldBeFalse();
        seen.SupportsRoots.ShouldBeFalse();
    }

    [Fact]
    public async Task ACallThatHasAskedNothingYet_IsNotCountedAsWaiting()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _bridge.RunAsync(First(_alice), async (_, _) =>
        {
            started.SetResult();
            await release.Task;
            return Text("done");
        }, CancellationToken.None).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        _bridge.WaitingCount.ShouldBe(0);
        release.SetResult();
        TextOf(await running.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe("done");
    }

    [Fact]
    public async Task WhenTooManyCallsWaitForInput_ACallThatAsks_IsRefusedAndCancelled_AndACallThatAsksNothingStillRuns()
    {
        for (var i = 0; i < InputRequiredBridge.MaxWaiting; i++)
        {
            await AskAsync(First(Session($"user-{i}")), ElicitName);
        }

        _bridge.WaitingCount.ShouldBe(InputRequiredBridge.MaxWaiting);

        var plain = await _bridge.RunAsync(First(_alice), (_, _) => ValueTask.FromResult(Text("plain")), CancellationToken.None);
        TextOf(plain).ShouldBe("plain");

        var backendCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = await Should.ThrowAsync<McpProtocolException>(() => _bridge.RunAsync(First(_alice), async (peer, ct) =>
        {
            try
            {
                return await ElicitName(peer, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                backendCancelled.SetResult();
                throw;
            }
        }, CancellationToken.None).AsTask());

        refused.Message.ShouldContain("too many requests waiting");
        await backendCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _bridge.WaitingCount.ShouldBe(InputRequiredBridge.MaxWaiting);
    }

    [Fact]
    public void ARequestsDigest_IsTheDigestOfItsMethodTargetAndArguments()
    {
        var args = new Dictionary<string, JsonElement> { ["x"] = JsonDocument.Parse("1").RootElement };
        var request = BridgedRequest.For(_alice, new RecordingPeer(), RequestMethods.ToolsCall, new CallToolRequestParams { Name = "a_1mcp_t" }, "a_1mcp_t", args, null);

        request.RequestDigest.ShouldBe(InputRequiredBridge.Digest(RequestMethods.ToolsCall, "a_1mcp_t", args));
    }

    [Fact]
    public void TheDigest_BindsMethodTargetAndArguments()
    {
        var args = new Dictionary<string, JsonElement> { ["x"] = JsonDocument.Parse("1").RootElement };
        var digest = InputRequiredBridge.Digest("tools/call", "a_1mcp_t", args);

        InputRequiredBridge.Digest("tools/call", "a_1mcp_t", new Dictionary<string, JsonElement> { ["x"] = JsonDocument.Parse("1").RootElement }).ShouldBe(digest);
        InputRequiredBridge.Digest("tools/call", "a_1mcp_t", new Dictionary<string, JsonElement> { ["x"] = JsonDocument.Parse("2").RootElement }).ShouldNotBe(digest);
        InputRequiredBridge.Digest("tools/call", "b_1mcp_t", args).ShouldNotBe(digest);
        InputRequiredBridge.Digest("prompts/get", "a_1mcp_t", args).ShouldNotBe(digest);
    }

    private async Task<InputRequiredException> AskAsync(BridgedRequest request, Func<IClientPeer, CancellationToken, ValueTask<CallToolResult>> call) =>
        await Should.ThrowAsync<InputRequiredException>(() => _bridge.RunAsync(request, call, CancellationToken.None).AsTask());

    private static async ValueTask<CallToolResult> ElicitName(IClientPeer peer, CancellationToken cancellationToken)
    {
        var answer = await peer.ElicitAsync(new ElicitRequestParams { Message = "Name?", RequestedSchema = new() }, cancellationToken);
        return Text(answer.Content!["name"].GetString()!);
    }

    private static ValueTask<T> NotCalledAgain<T>(IClientPeer peer, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A retry must continue the waiting call, not start a new one.");

    private static BridgedRequest First(GatewaySession session) => new(session, new RecordingPeer(), Digest, CanElicitAndSample, null, null);

    private static BridgedRequest Retry(GatewaySession session, InputRequiredException asked, IDictionary<string, InputResponse> answers) =>
        Retry(session, asked.Result.RequestState!, answers);

    private static BridgedRequest Retry(GatewaySession session, string state, IDictionary<string, InputResponse> answers) =>
        new(session, new RecordingPeer(), Digest, CanElicitAndSample, state, answers);

    private static Dictionary<string, InputResponse> Elicited(string key, string name) => new()
    {
        [key] = InputResponse.FromElicitResult(new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement(name) } }),
    };

    private static GatewaySession Session(string subject) =>
        new(Guid.NewGuid().ToString("N"), SessionFilter.None) { PerRequest = true, Actor = new AuditActor(subject, subject, "client-1") };

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    private static string TextOf(CallToolResult result) => ((TextContentBlock)result.Content.Single()).Text;
}
