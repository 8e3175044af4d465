using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Listening;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>
/// Routes what happens behind the gateway to the client sessions it concerns, and only to them: list changes
/// (a backend's, or a preset's) to the sessions that can see them, resource updates to their subscribers, log
/// messages by each session's own level, and backend-to-client requests (sampling, elicitation, roots) to the
/// session whose request is running on that backend. Open <c>subscriptions/listen</c> streams (2026-07-28) get
/// list changes and resource updates like sessions, by their own request's filter and grant; a 2026-07-28 request
/// that asked for a log level gets the log messages of the backend it is waiting on, on its own stream.
/// </summary>
public sealed partial class SessionRouter(
    SessionRegistry sessions,
    InFlightRequests inFlight,
    ResourceSubscriptions subscriptions,
    ListenerRegistry listeners,
    ILogger<SessionRouter> logger) : IBackendEventSink
{
    public void BackendChanged(IBackendConnection backend, CapabilityKinds kinds, IReadOnlyList<Tag>? previousTags = null)
    {
        if (kinds == CapabilityKinds.None)
        {
            return;
        }

        var settings = backend.Settings;
        var previous = previousTags is null ? null : settings with { Tags = previousTags };

        // A user's own connection (a per-user backend) changed: only that user's sessions list from it.
        var owner = backend is IUserBackendConnection own ? own.Owner : (ConnectionOwner?)null;
        foreach (var session in sessions.All)
        {
            if (!session.IsAttached || !(session.Allows(settings) || (previous is not null && session.Allows(previous)))
                || (owner is { } o && ConnectionOwner.Of(session.Actor) != o))
            {
                continue;
            }

            NotifyListChanged(session, kinds);
        }

        foreach (var listener in listeners.All)
        {
            if ((listener.Session.Allows(settings) || (previous is not null && listener.Session.Allows(previous)))
                && (owner is not { } listenerOwner || ConnectionOwner.Of(listener.Session.Actor) == listenerOwner))
            {
                listener.NotifyListChanged(kinds);
            }
        }
    }

    public void BackendConnected(IBackendConnection backend)
    {
        // A user's own connection to a per-user backend lists only its resources and prompts for that user (ADR 0033): its
        // tools are the backend's, announced by the backend itself.
        BackendChanged(backend, backend is IUserBackendConnection ? CapabilityKinds.Resources | CapabilityKinds.Prompts : CapabilityKinds.All);
        // Not awaited (the backend's connect must not wait for every session), so observed in ResubscribeAsync.
        _ = ResubscribeAsync(backend);
    }

    /// <summary>
    /// A preset was created, changed or deleted (<paramref name="filter"/> null): the sessions opened with it
    /// follow the new expression and are told that their lists may have changed.
    /// </summary>
    public void PresetChanged(string presetName, TagFilter? filter)
    {
        var next = SessionFilter.ForPreset(presetName, filter);
        foreach (var session in sessions.All)
        {
            if (!session.UsesPreset(presetName))
            {
                continue;
            }

            var before = session.Filter.Filter?.ToString();
            session.FollowPreset(next);
            if (session.IsAttached && !string.Equals(before, filter?.ToString(), StringComparison.Ordinal))
            {
                NotifyListChanged(session, CapabilityKinds.All);
            }
        }

        foreach (var listener in listeners.All)
        {
            if (!listener.Session.UsesPreset(presetName))
            {
                continue;
            }

            var before = listener.Session.Filter.Filter?.ToString();
            listener.Session.FollowPreset(next);
            if (!string.Equals(before, filter?.ToString(), StringComparison.Ordinal))
            {
                listener.NotifyListChanged(CapabilityKinds.All);
            }
        }
    }

    public void ResourceUpdated(IBackendConnection backend, string uri)
    {
        if (string.IsNullOrEmpty(uri))
        {
            // No session can follow a resource without a URI (subscribing needs one), so nobody is told.
            return;
        }

        var prefixed = CapabilityName.Compose(backend.Name, uri);
        JsonNode? withPrefix = null;
        JsonNode? original = null;

        // A session or listener of /mcp/<server> subscribed under the backend's own URI (ADR 0025).
        JsonNode? ParametersFor(GatewaySession session) => session.OnlyBackend is null
            ? withPrefix ??= JsonSerializer.SerializeToNode(new ResourceUpdatedNotificationParams { Uri = prefixed }, McpJsonUtilities.DefaultOptions)
            : original ??= JsonSerializer.SerializeToNode(new ResourceUpdatedNotificationParams { Uri = uri }, McpJsonUtilities.DefaultOptions);

        foreach (var session in sessions.All)
        {
            if (session.IsAttached && session.IsSubscribed(prefixed) && session.CanSee(backend))
            {
                Send(session, NotificationMethods.ResourceUpdatedNotification, ParametersFor(session));
            }
        }

        foreach (var listener in listeners.All)
        {
            if (listener.Session.IsSubscribed(prefixed) && listener.Session.CanSee(backend))
            {
                listener.Post(NotificationMethods.ResourceUpdatedNotification, ParametersFor(listener.Session));
            }
        }
    }

    public void LogMessage(IBackendConnection backend, LoggingMessageNotificationParams message)
    {
        var server = backend.Name;
        var forwarded = new LoggingMessageNotificationParams
        {
            Level = message.Level,
            Logger = message.Logger is null ? server.Value : $"{server.Value}/{message.Logger}",
            Data = message.Data,
        };
        var parameters = JsonSerializer.SerializeToNode(forwarded, McpJsonUtilities.DefaultOptions);
        foreach (var session in sessions.All)
        {
            if (session.IsAttached && session.LogLevel is { } level && message.Level >= level && session.CanSee(backend))
            {
                Send(session, NotificationMethods.LoggingMessageNotification, parameters);
            }
        }

        // A 2026-07-28 request has no session to set a level on: it names one in its _meta, and gets the messages
        // of the backend it waits on, while it waits, on its own stream. Sessions were served above.
        foreach (var (session, caller) in inFlight.RequestsOn(server))
        {
            if (session.PerRequest && session.LogLevel is { } level && message.Level >= level && session.CanSee(backend))
            {
                Send(caller, session.Id, NotificationMethods.LoggingMessageNotification, parameters);
            }
        }
    }

    public ValueTask<CreateMessageResult> SampleAsync(IBackendConnection backend, CreateMessageRequestParams request, CancellationToken cancellationToken)
    {
        var peer = ClientFor(backend, "a sampling request", p => p.SupportsSampling, "sampling");
        return peer.SampleAsync(request, cancellationToken);
    }

    public ValueTask<ElicitResult> ElicitAsync(IBackendConnection backend, ElicitRequestParams request, CancellationToken cancellationToken)
    {
        var peer = ClientFor(backend, "an elicitation request", p => p.SupportsElicitation, "elicitation");
        return peer.ElicitAsync(request, cancellationToken);
    }

    public ValueTask<ListRootsResult> ListRootsAsync(IBackendConnection backend, ListRootsRequestParams request, CancellationToken cancellationToken)
    {
        var peer = ClientFor(backend, "a roots request", p => p.SupportsRoots, "roots");
        return peer.RequestRootsAsync(request, cancellationToken);
    }

    /// <summary>
    /// The one client whose request runs on <paramref name="backend"/>. A user's own connection to a per-user backend
    /// asks that user's requests only: another user's client must never see its questions nor answer them (their
    /// roots, their choices).
    /// </summary>
    private IClientPeer ClientFor(IBackendConnection backend, string what, Func<IClientPeer, bool> supports, string capability)
    {
        var server = backend.Name;
        var candidates = backend is IUserBackendConnection own
            ? inFlight.CallersOn(server, session => ConnectionOwner.Of(session.Actor) == own.Owner)
            : inFlight.CallersOn(server);
        switch (candidates.Count)
        {
            case 0:
                throw GatewayErrors.NoRequestInFlight(server.Value, what);
            case > 1:
                throw GatewayErrors.AmbiguousRequest(server.Value, what);
        }

        var peer = candidates[0];
        return supports(peer) ? peer : throw GatewayErrors.ClientLacksCapability(capability);
    }

    private async Task ResubscribeAsync(IBackendConnection backend)
    {
        try
        {
            await subscriptions.ResubscribeAsync(backend, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogResubscribeFailed(logger, backend.Name.Value, e.Message, e);
        }
    }

    private void NotifyListChanged(GatewaySession session, CapabilityKinds kinds)
    {
        if (kinds.HasFlag(CapabilityKinds.Tools))
        {
            Send(session, NotificationMethods.ToolListChangedNotification, null);
        }

        if (kinds.HasFlag(CapabilityKinds.Resources))
        {
            Send(session, NotificationMethods.ResourceListChangedNotification, null);
        }

        if (kinds.HasFlag(CapabilityKinds.Prompts))
        {
            Send(session, NotificationMethods.PromptListChangedNotification, null);
        }
    }

    // Not awaited (one slow client must not hold up the others), so observed in SendAsync: failures are logged.
    private void Send(GatewaySession session, string method, JsonNode? parameters) =>
        Send(session.Peer, session.Id, method, parameters);

    private void Send(IClientPeer peer, string sessionId, string method, JsonNode? parameters) =>
        _ = SendAsync(peer, sessionId, method, parameters?.DeepClone());

    private async Task SendAsync(IClientPeer peer, string sessionId, string method, JsonNode? parameters)
    {
        try
        {
            await peer.SendNotificationAsync(method, parameters, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogNotificationFailed(logger, method, sessionId, e.Message, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: renewing resource subscriptions after it reconnected failed: {Reason}")]
    private static partial void LogResubscribeFailed(ILogger logger, string server, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not send {Method} to session {SessionId}: {Reason}")]
    private static partial void LogNotificationFailed(ILogger logger, string method, string sessionId, string reason, Exception exception);
}
