using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class ProgressOnArrivalTransportTests
{
    [Fact]
    public async Task ACallsProgress_ReachesItsCall_BeforeTheResultThatFollowsItIsRead()
    {
        var routes = new BackendProgressRoutes();
        var recorder = new Recorder();
        var token = routes.Add(recorder);
        var backend = new ScriptedTransport(
            Progress(token, 1),
            Progress(token, 2),
            new JsonRpcResponse { Id = new RequestId(7), Result = new JsonObject() },
            Progress(token, 3));
        var session = await new ProgressOnArrivalTransport(backend, routes, NullLogger.Instance).ConnectAsync();

        var read = new List<JsonRpcMessage>();
        var progressWhenTheResultWasRead = new List<float>();
        await foreach (var message in session.MessageReader.ReadAllAsync())
        {
            read.Add(message);
            progressWhenTheResultWasRead.AddRange(recorder.Values);
        }

        // The result is all the SDK sees; the progress before it was with its call already, the one after it too.
        read.ShouldHaveSingleItem().ShouldBeOfType<JsonRpcResponse>();
        progressWhenTheResultWasRead.ShouldBe([1f, 2f]);
        recorder.Values.ShouldBe([1f, 2f, 3f]);
    }

    [Fact]
    public async Task OtherMessages_AndMalformedProgress_LeaveTheReadLoopAsItWas()
    {
        var routes = new BackendProgressRoutes();
        var recorder = new Recorder();
        var token = routes.Add(recorder);
        var logged = new JsonRpcNotification { Method = NotificationMethods.LoggingMessageNotification, Params = new JsonObject { ["level"] = "info", ["data"] = "x" } };
        var malformed = new JsonRpcNotification { Method = NotificationMethods.ProgressNotification, Params = new JsonObject { ["progressToken"] = new JsonArray(), ["progress"] = "lots" } };
        var request = new JsonRpcRequest { Id = new RequestId(1), Method = RequestMethods.SamplingCreateMessage };
        var backend = new ScriptedTransport(logged, malformed, request, Progress(token, 5));
        var session = await new ProgressOnArrivalTransport(backend, routes, NullLogger.Instance).ConnectAsync();

        var read = new List<JsonRpcMessage>();
        await foreach (var message in session.MessageReader.ReadAllAsync())
        {
            read.Add(message);
        }

        read.ShouldBe([logged, request]);
        recorder.Values.ShouldBe([5f]);
    }

    [Fact]
    public async Task WhatTheGatewaySends_GoesToTheBackendUnchanged()
    {
        var backend = new ScriptedTransport();
        var session = await new ProgressOnArrivalTransport(backend, new BackendProgressRoutes(), NullLogger.Instance).ConnectAsync();
        var request = new JsonRpcRequest { Id = new RequestId(3), Method = RequestMethods.ToolsList };

        await session.SendMessageAsync(request);

        backend.Sent.ShouldBe([request]);
    }

    private static JsonRpcNotification Progress(string token, float progress) => new()
    {
        Method = NotificationMethods.ProgressNotification,
        Params = new JsonObject { ["progressToken"] = token, ["progress"] = progress },
    };

    private sealed class Recorder : IProgress<ProgressNotificationValue>
    {
        public List<float> Values { get; } = [];

        public void Report(ProgressNotificationValue value) => Values.Add(value.Progress);
    }

    /// <summary>A backend that has already sent <c>messages</c> and then closed its side.</summary>
    private sealed class ScriptedTransport : IClientTransport, ITransport
    {
        private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>();

        public ScriptedTransport(params JsonRpcMessage[] messages)
        {
            foreach (var message in messages)
            {
                _incoming.Writer.TryWrite(message);
            }

            _incoming.Writer.Complete();
        }

        public List<JsonRpcMessage> Sent { get; } = [];

        public string Name => "scripted";

        public string? SessionId => null;

        public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

        public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) => Task.FromResult<ITransport>(this);

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            Sent.Add(message);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
