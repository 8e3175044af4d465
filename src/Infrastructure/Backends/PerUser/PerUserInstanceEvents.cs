using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.PerUser;

/// <summary>
/// What one user's connection tells the gateway, translated: its lists feed the per-user backend's catalogue (the entry
/// announces changes, once, for everyone), and what it sends for its user (resource updates, log messages) goes out as
/// that user's instance, which only their sessions can see, and what it asks (sampling, elicitation, roots) is asked of
/// that user's requests only.
/// </summary>
internal sealed class PerUserInstanceEvents(PerUserBackendConnection entry, PerUserInstance instance, IBackendEventSink sessions) : IBackendEventSink
{
    // The user lists resources and prompts from their own connection (CallerConnections.AccountListsOf): their changes
    // are theirs to hear.
    public void BackendChanged(IBackendConnection backend, CapabilityKinds kinds, IReadOnlyList<Tag>? previousTags = null)
    {
        entry.InstanceChanged(instance, kinds);
        sessions.BackendChanged(instance, kinds & PerUserBackendConnection.AccountLists);
    }

    // Its user's sessions hear that their resources may have changed, and the resources they follow are subscribed
    // again on it: an instance started again after idling out, or after a crash, is a new connection.
    public void BackendConnected(IBackendConnection backend)
    {
        entry.InstanceConnected(instance);
        sessions.BackendConnected(instance);
    }

    public void ResourceUpdated(IBackendConnection backend, string uri) => sessions.ResourceUpdated(instance, uri);

    public void LogMessage(IBackendConnection backend, LoggingMessageNotificationParams message) => sessions.LogMessage(instance, message);

    // Asked as the user's instance: only that user's requests on the backend may be asked to answer.
    public ValueTask<CreateMessageResult> SampleAsync(IBackendConnection backend, CreateMessageRequestParams request, CancellationToken cancellationToken) =>
        sessions.SampleAsync(instance, request, cancellationToken);

    public ValueTask<ElicitResult> ElicitAsync(IBackendConnection backend, ElicitRequestParams request, CancellationToken cancellationToken) =>
        sessions.ElicitAsync(instance, request, cancellationToken);

    public ValueTask<ListRootsResult> ListRootsAsync(IBackendConnection backend, ListRootsRequestParams request, CancellationToken cancellationToken) =>
        sessions.ListRootsAsync(instance, request, cancellationToken);
}
