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

    /// <summary>A backend asked its client (the gateway) for a model completion.</summary>
    ValueTask<CreateMessageResult> SampleAsync(ServerName server, CreateMessageRequestParams request, CancellationToken cancellationToken);

    ValueTask<ElicitResult> ElicitAsync(ServerName server, ElicitRequestParams request, CancellationToken cancellationToken);

    ValueTask<ListRootsResult> ListRootsAsync(ServerName server, ListRootsRequestParams request, CancellationToken cancellationToken);
}
