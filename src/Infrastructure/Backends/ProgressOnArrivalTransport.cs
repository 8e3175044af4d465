using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// A backend's client transport whose progress notifications reach their calls as they are read, in the order the
/// backend sent them. The SDK hands every incoming message to the thread pool on its own, so a handler may see a
/// call's progress after that call's result, when the call (and its route) is gone; routed here, on the read loop,
/// a call's progress is with its caller before the result that follows it is even looked at.
/// Messages read elsewhere for this session (the stream of a call sent directly, <see cref="DirectBackendCalls"/>) join
/// them through <see cref="Deliver"/>.
/// </summary>
internal sealed class ProgressOnArrivalTransport(IClientTransport inner, BackendProgressRoutes routes, ILogger logger) : IClientTransport
{
    // The reader of the session connected last (the SDK client owns the session itself, and disposes it).
    private ProgressRoutingReader? _reader;

    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var session = new Session(await inner.ConnectAsync(cancellationToken), routes, logger);
        _reader = session.Reader;
        return session;
    }

    /// <summary>Hands a message of this session that was read elsewhere to the SDK client, as if its transport had read it.</summary>
    public void Deliver(JsonRpcMessage message) => _reader?.Deliver(message);

    private sealed class Session(ITransport inner, BackendProgressRoutes routes, ILogger logger) : ITransport
    {
        public string? SessionId => inner.SessionId;

        public ProgressRoutingReader Reader { get; } = new(inner.MessageReader, routes, logger);

        public ChannelReader<JsonRpcMessage> MessageReader => Reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
            inner.SendMessageAsync(message, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>
    /// Read by the SDK's one message loop: progress is routed and skipped, everything else passes. Delivered messages
    /// are read before the transport's own that are waiting with them.
    /// </summary>
    private sealed class ProgressRoutingReader(ChannelReader<JsonRpcMessage> inner, BackendProgressRoutes routes, ILogger logger)
        : ChannelReader<JsonRpcMessage>
    {
        private readonly Channel<JsonRpcMessage> _delivered = Channel.CreateUnbounded<JsonRpcMessage>();

        // The one reader's waits, kept until they complete: a wait on either source is never abandoned and asked again.
        private Task<bool>? _innerWait;
        private Task<bool>? _deliveredWait;

        public override Task Completion => inner.Completion;

        /// <summary>A message read elsewhere: progress is routed at once (before the answer that follows it is returned), the rest is queued.</summary>
        public void Deliver(JsonRpcMessage message)
        {
            if (!routes.TryRoute(message, logger))
            {
                _delivered.Writer.TryWrite(message);
            }
        }

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                if (_delivered.Reader.Count > 0)
                {
                    return true;
                }

                _innerWait ??= inner.WaitToReadAsync(cancellationToken).AsTask();
                if (!_innerWait.IsCompleted)
                {
                    _deliveredWait ??= _delivered.Reader.WaitToReadAsync(cancellationToken).AsTask();
                    if (await Task.WhenAny(_innerWait, _deliveredWait) == _deliveredWait)
                    {
                        _deliveredWait = null;
                        continue;
                    }
                }

                var more = await _innerWait;
                _innerWait = null;
                return more;
            }
        }

        public override bool TryRead(out JsonRpcMessage item)
        {
            while (_delivered.Reader.TryRead(out item!) || inner.TryRead(out item!))
            {
                if (!routes.TryRoute(item, logger))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
