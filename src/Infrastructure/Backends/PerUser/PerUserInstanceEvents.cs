using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.PerUser;

/// <summary>
/// What one user's connection tells the gateway, translated: its lists feed the per-user backend's catalogue (the entry
/// announces changes, once, for everyone), and what it sends for its user (resource updates, log messages) goes out as
/// that user's instance, which only their sessions can see.
/// </summary>
internal sealed class PerUserInstanceEvents(PerUserBackendConnection entry, PerUserInstance instance, IBackendEventSink sessions) : IBackendEventSink
{
    public void BackendChanged(IBackendConnection backend, CapabilityKinds kinds, IReadOnlyList<Tag>? previousTags = null) =>
        entry.InstanceChanged(instance, kinds);

    public void BackendConnected(IBackendConnection backend) => entry.InstanceConnected(instance);

    public void ResourceUpdated(IBackendConnection backend, string uri) => sessions.ResourceUpdated(instance, uri);

    public void LogMessage(IBackendConnection backend, LoggingMessageNotificationParams message) => sessions.LogMessage(instance, message);

    public ValueTask<CreateMessageResult> SampleAsync(ServerName server, CreateMessageRequestParams request, CancellationToken cancellationToken) =>
        sessions.SampleAsync(server, request, cancellationToken);

    public ValueTask<ElicitResult> ElicitAsync(ServerName server, ElicitRequestParams request, CancellationToken cancellationToken) =>
        sessions.ElicitAsync(server, request, cancellationToken);

    public ValueTask<ListRootsResult> ListRootsAsync(ServerName server, ListRootsRequestParams request, CancellationToken cancellationToken) =>
        sessions.ListRootsAsync(server, request, cancellationToken);
}
