using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// The progress tokens of one backend's running tool calls. The connection is shared by every session, so each
/// call gets a token of the gateway's own and the backend's progress for it goes to that call's sink.
/// </summary>
internal sealed partial class BackendProgressRoutes
{
    private readonly ConcurrentDictionary<string, IProgress<ProgressNotificationValue>> _routes = new(StringComparer.Ordinal);

    /// <summary>A fresh token whose progress goes to <paramref name="progress"/> until <see cref="Remove"/>.</summary>
    public string Add(IProgress<ProgressNotificationValue> progress)
    {
        var token = Guid.NewGuid().ToString("N");
        _routes[token] = progress;
        return token;
    }

    public void Remove(string token) => _routes.TryRemove(token, out _);

    /// <summary>Hands the progress to its call; progress for a call that has ended (or never was) is dropped.</summary>
    public void Report(ProgressNotificationParams notification)
    {
        if (notification.ProgressToken.Token is string token && _routes.TryGetValue(token, out var progress))
        {
            progress.Report(notification.Progress);
        }
    }

    /// <summary>
    /// Whether <paramref name="message"/> is a progress notification; if so it went to its call (or was dropped: the
    /// call has ended, or the notification is malformed, which is the backend's mistake; its other calls carry on).
    /// </summary>
    public bool TryRoute(JsonRpcMessage message, ILogger logger)
    {
        if (message is not JsonRpcNotification { Method: NotificationMethods.ProgressNotification } notification)
        {
            return false;
        }

        try
        {
            if (notification.Params?.Deserialize<ProgressNotificationParams>(McpJsonUtilities.DefaultOptions) is { } value)
            {
                Report(value);
            }
        }
        catch (JsonException e)
        {
            LogMalformedProgress(logger, e.Message);
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A backend sent a progress notification that is not one, dropped: {Reason}")]
    private static partial void LogMalformedProgress(ILogger logger, string reason);
}
