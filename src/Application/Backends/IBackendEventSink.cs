using ModelContextProtocol.Protocol;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// What backends tell the gateway: the Infrastructure's connections call this; the engine decides which
/// client sessions hear about it.
/// </summary>
public interface IBackendEventSink
{
    /// <summary>
    /// A backend's published capabilities changed: it connected, disconnected, sent <c>list_changed</c>,
    /// or its metadata (tags, overrides, disabled tools) changed. <paramref name="previousTags"/> are the
    /// tags before a metadata change, so sessions that could see it before are told too.
    /// </summary>
    void BackendChanged(IBackendConnection backend, CapabilityKinds kinds, IReadOnlyList<Tag>? previousTags = null);

    /// <summary>
    /// A backend (re)connected: a fresh session on its side, so whatever the gateway subscribed to there must be
    /// subscribed again, and sessions that can see it learn that its lists are back.
    /// </summary>
    void BackendConnected(IBackendConnection backend);

    void ResourceUpdated(IBackendConnection backend, string uri);

    void LogMessage(IBackendConnection backend, LoggingMessageNotificationParams message);

    /// <summary>
    /// A backend asked its client (the gateway) for a model completion. <paramref name="backend"/> is the connection that
    /// asked: for a per-user backend, one user's own (<see cref="Connections.IUserBackendConnection"/>), whose question
    /// only that user's requests may answer.
    /// </summary>
    ValueTask<CreateMessageResult> SampleAsync(IBackendConnection backend, CreateMessageRequestParams request, CancellationToken cancellationToken);

    /// <summary>A backend asked its client for input from the user; <paramref name="backend"/> as for <see cref="SampleAsync"/>.</summary>
    ValueTask<ElicitResult> ElicitAsync(IBackendConnection backend, ElicitRequestParams request, CancellationToken cancellationToken);

    /// <summary>A backend asked its client for its roots; <paramref name="backend"/> as for <see cref="SampleAsync"/>.</summary>
    ValueTask<ListRootsResult> ListRootsAsync(IBackendConnection backend, ListRootsRequestParams request, CancellationToken cancellationToken);
}
