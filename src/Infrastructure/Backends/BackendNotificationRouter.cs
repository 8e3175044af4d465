using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// What one backend sends its client (the gateway), routed on: <c>list_changed</c> starts a refresh of that
/// list, resource updates and log messages go to the gateway's event sink, and sampling, elicitation and roots
/// requests to the client session whose request is running there. (Progress never gets here: it is routed to its
/// call as it is read, by <see cref="ProgressOnArrivalTransport"/>.)
/// </summary>
internal sealed partial class BackendNotificationRouter(
    IBackendConnection backend,
    IBackendEventSink events,
    Func<CapabilityKinds, Task> refresh,
    ILogger logger,
    CancellationToken stopping)
{
    /// <summary>The handlers of one client; each new client (every reconnect) gets its own set.</summary>
    public McpClientHandlers CreateHandlers() => new()
    {
        NotificationHandlers =
        [
            new(NotificationMethods.ToolListChangedNotification, (_, _) => Refresh(CapabilityKinds.Tools)),
            new(NotificationMethods.ResourceListChangedNotification, (_, _) => Refresh(CapabilityKinds.Resources)),
            new(NotificationMethods.PromptListChangedNotification, (_, _) => Refresh(CapabilityKinds.Prompts)),
            new(NotificationMethods.ResourceUpdatedNotification, OnResourceUpdated),
            new(NotificationMethods.LoggingMessageNotification, OnLogMessage),
        ],
        SamplingHandler = (request, _, ct) => events.SampleAsync(backend, request ?? throw new McpProtocolException("Missing parameters.", McpErrorCode.InvalidParams), ct),
        ElicitationHandler = (request, ct) => events.ElicitAsync(backend, request ?? throw new McpProtocolException("Missing parameters.", McpErrorCode.InvalidParams), ct),
        RootsHandler = (request, ct) => events.ListRootsAsync(backend, request ?? new ListRootsRequestParams(), ct),
    };

    // Runs off the client's message loop: fetching the new list is itself a request on this connection. The
    // refresh is not awaited, so it is observed here: a failure is logged with its exception, never lost.
    private ValueTask Refresh(CapabilityKinds kinds)
    {
        _ = ObserveRefreshAsync(refresh(kinds));
        return ValueTask.CompletedTask;
    }

    private async Task ObserveRefreshAsync(Task refreshing)
    {
        try
        {
            await refreshing;
        }
        catch (Exception e) when (stopping.IsCancellationRequested)
        {
            LogRefreshStopped(logger, backend.Name.Value, e);
        }
        catch (Exception e)
        {
            LogRefreshFailed(logger, backend.Name.Value, e.Message, e);
        }
    }

    private ValueTask OnResourceUpdated(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Params?.Deserialize<ResourceUpdatedNotificationParams>(McpJsonUtilities.DefaultOptions) is { Uri: { } uri })
        {
            events.ResourceUpdated(backend, uri);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnLogMessage(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Params?.Deserialize<LoggingMessageNotificationParams>(McpJsonUtilities.DefaultOptions) is { } message)
        {
            events.LogMessage(backend, message);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: refreshing its lists failed, keeping the previous ones: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string server, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: a list refresh ended because the backend stopped")]
    private static partial void LogRefreshStopped(ILogger logger, string server, Exception exception);
}
