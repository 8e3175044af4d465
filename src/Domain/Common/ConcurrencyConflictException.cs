namespace OneMcp.Domain.Common;

/// <summary>
/// A repository refused to save an aggregate because someone else saved it since it was loaded
/// (its <c>Version</c> no longer matches). The caller reloads and decides again; nothing was written.
/// </summary>
public sealed class ConcurrencyConflictException(string aggregate, Guid id)
    : Exception($"The {aggregate} {id} was changed by someone else; reload it and try again.")
{
    public string Aggregate { get; } = aggregate;

    public Guid Id { get; } = id;
}
