using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway.Listening;

/// <summary>
/// Serves <c>subscriptions/listen</c> (MCP 2026-07-28): the stream is the listen request's own response, held
/// open. It grants the list changes the gateway delivers and the resource URIs the request can see (others are
/// left out of the acknowledgement, ADR 0026), follows those resources on their backends like a session's
/// <c>resources/subscribe</c>, registers the listener so <see cref="SessionRouter"/> fans events out to it, and
/// when the stream ends (the client went away, or the gateway stops) releases all of it.
/// </summary>
public sealed partial class ListenService(
    GatewayEngine engine,
    ResourceSubscriptions subscriptions,
    IBackendPool pool,
    ListenerRegistry listeners,
    ILogger<ListenService> logger)
{
    /// <summary>
    /// Runs one listen stream until <paramref name="cancellationToken"/> (the client closed it) or
    /// <paramref name="stopping"/> (the gateway shuts down: the stream then ends with a result, as the revision
    /// asks for a graceful end). <paramref name="peer"/> writes on the listen request's own stream.
    /// </summary>
    public async ValueTask<EmptyResult> ListenAsync(
        GatewaySession session, IClientPeer peer, RequestId subscriptionId, SubscriptionsListenNotifications requested,
        CancellationToken stopping, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(requested);
        Listener? listener = null;
        try
        {
            var followed = await FollowAsync(session, requested.ResourceSubscriptions, cancellationToken);
            listener = new Listener(session, subscriptionId, new SubscriptionsListenNotifications
            {
                ToolsListChanged = requested.ToolsListChanged == true ? true : null,
                PromptsListChanged = requested.PromptsListChanged == true ? true : null,
                ResourcesListChanged = requested.ResourcesListChanged == true ? true : null,
                ResourceSubscriptions = followed.Count > 0 ? followed : null,
            });

            // Registered before the acknowledgement is sent, so no change in between is lost; what the router queues
            // meanwhile waits until the acknowledgement, which must come first, has gone out.
            listeners.Add(listener);
            var acknowledgement = JsonSerializer.SerializeToNode(
                new SubscriptionsAcknowledgedNotificationParams { Notifications = listener.Granted }, McpJsonUtilities.DefaultOptions);
            await SendAsync(peer, listener.Tagged(NotificationMethods.SubscriptionsAcknowledgedNotification, acknowledgement), cancellationToken);
            await PumpAsync(listener, peer, stopping, cancellationToken);
            return new EmptyResult { Meta = new JsonObject { [MetaKeys.SubscriptionId] = listener.SubscriptionIdJson } };
        }
        finally
        {
            if (listener is not null)
            {
                listener.Complete();
                listeners.Remove(listener);
            }

            // Every resource the listener followed, including any taken before the stream failed or was cancelled.
            await subscriptions.ReleaseSessionAsync(session, pool, CancellationToken.None);
        }
    }

    private async ValueTask<List<string>> FollowAsync(GatewaySession session, IList<string>? uris, CancellationToken cancellationToken)
    {
        var followed = new List<string>();
        foreach (var uri in (uris ?? []).Distinct(StringComparer.Ordinal))
        {
            try
            {
                await engine.SubscribeAsync(session, uri, cancellationToken);
                followed.Add(uri);
            }
            catch (McpException e)
            {
                // Not visible to this request, on a backend without subscriptions, over the cap, or refused by the
                // backend: not granted, which the acknowledgement tells the client.
                LogNotFollowed(logger, uri, e.Message, e);
            }
        }

        return followed;
    }

    private async Task PumpAsync(Listener listener, IClientPeer peer, CancellationToken stopping, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
        try
        {
            await foreach (var notification in listener.Pending.ReadAllAsync(linked.Token))
            {
                await SendAsync(peer, notification, linked.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogEndedByShutdown(logger, listener.Session.Id);
        }
    }

    private static Task SendAsync(IClientPeer peer, JsonRpcNotification notification, CancellationToken cancellationToken) =>
        peer.SendNotificationAsync(notification.Method, notification.Params, cancellationToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A listen stream does not follow {Uri}: {Reason}")]
    private static partial void LogNotFollowed(ILogger logger, string uri, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listen stream {ListenerId} ended because the gateway is stopping")]
    private static partial void LogEndedByShutdown(ILogger logger, string listenerId);
}
