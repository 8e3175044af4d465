using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway;

/// <summary>Forwards a backend's progress to the one request it belongs to, in order.</summary>
internal sealed partial class CallerProgress(IClientPeer caller, ProgressToken token, ILogger logger) : IProgress<ProgressNotificationValue>
{
    private readonly Lock _gate = new();
    private Task _last = Task.CompletedTask;
    private float _highest = float.NegativeInfinity;

    public void Report(ProgressNotificationValue value)
    {
        var parameters = JsonSerializer.SerializeToNode(
            new ProgressNotificationParams { ProgressToken = token, Progress = value },
            McpJsonUtilities.DefaultOptions);
        lock (_gate)
        {
            // Progress must only ever increase: a backend's value that does not is dropped rather than sent.
            if (value.Progress <= _highest)
            {
                return;
            }

            _highest = value.Progress;
            _last = SendAfterAsync(_last, parameters);
        }
    }

    public Task FlushAsync()
    {
        lock (_gate)
        {
            return _last;
        }
    }

    private async Task SendAfterAsync(Task previous, JsonNode? parameters)
    {
        await previous;
        try
        {
            await caller.SendNotificationAsync(NotificationMethods.ProgressNotification, parameters, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The client went away; there is nobody left to tell but the log.
            LogProgressNotDelivered(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Progress could not be sent to the client, which went away")]
    private static partial void LogProgressNotDelivered(ILogger logger, Exception exception);
}
