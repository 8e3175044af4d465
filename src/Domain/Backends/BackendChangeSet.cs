namespace OneMcp.Domain.Backends;

/// <summary>
/// Changes to the stored backends that stand or fall together (<see cref="IBackendServiceRepository.SaveChangesAsync"/>):
/// one edit of mcp.json is one change set, so a failure half-way never leaves the store holding part of an edit.
/// </summary>
/// <param name="Added">New backends, stored under names no stored backend holds.</param>
/// <param name="Updated">Changed backends, each saved only if the store still holds the version it was loaded with.</param>
/// <param name="Removed">Backends to remove, whatever their stored version: their owner no longer lists them.</param>
public sealed record BackendChangeSet(
    IReadOnlyList<BackendService> Added,
    IReadOnlyList<BackendService> Updated,
    IReadOnlyList<BackendService> Removed)
{
    public bool IsEmpty => Added.Count == 0 && Updated.Count == 0 && Removed.Count == 0;
}
