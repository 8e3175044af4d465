using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// A backend's client transport whose progress notifications reach their calls as they are read, in the order the
/// backend sent them. The SDK hands every incoming message to the thread pool on its own, so a handler may see a
/// call's progress after that call's result, when the call (and its route) is gone; routed here, on the read loop,
/// a call's progress is with its caller before the result that follows it is even looked at.
/// </summary>
internal sealed partial class ProgressOnArrivalTransport(IClientTransport inner, BackendProgressRoutes routes, ILogger logger) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Session(await inner.ConnectAsync(cancellationToken), routes, logger);

    private sealed class Session(ITransport inner, BackendProgressRoutes routes, ILogger logger) : ITransport
    {
        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader { get; } = new ProgressRoutingReader(inner.MessageReader, routes, logger);

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
            inner.SendMessageAsync(message, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>Read by the SDK's one message loop: progress is routed and skipped, everything else passes.</summary>
    private sealed partial class ProgressRoutingReader(ChannelReader<JsonRpcMessage> inner, BackendProgressRoutes routes, ILogger logger)
        : ChannelReader<JsonRpcMessage>
    {
        public override Task Completion => inner.Completion;

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            inner.WaitToReadAsync(cancellationToken);

        public override bool TryRead(out JsonRpcMessage item)
        {
            while (inner.TryRead(out item!))
            {
                if (item is JsonRpcNotification { Method: NotificationMethods.ProgressNotification } progress)
                {
                    Route(progress);
                    continue;
                }

                return true;
            }

            return false;
        }

        private void Route(JsonRpcNotification notification)
        {
            try
            {
                if (notification.Params?.Deserialize<ProgressNotificationParams>(McpJsonUtilities.DefaultOptions) is { } value)
                {
                    routes.Report(value);
                }
            }
            catch (JsonException e)
            {
                // A malformed notification is the backend's mistake; the connection and its other calls carry on.
                LogMalformedProgress(logger, e.Message);
            }
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "A backend sent a progress notification that is not one, dropped: {Reason}")]
        private static partial void LogMalformedProgress(ILogger logger, string reason);
    }
}
