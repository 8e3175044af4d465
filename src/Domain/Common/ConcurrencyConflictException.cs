namespace OneMcp.Domain.Common;

/// <summary>
/// A repository refused to save because someone else saved the same thing since it was loaded (an aggregate's
/// <c>Version</c> no longer matches, or a stored document changed under every retry of a compare-and-swap). The
/// caller reloads and decides again; nothing was written.
/// </summary>
public sealed class ConcurrencyConflictException : Exception
{
    public ConcurrencyConflictException(string aggregate, Guid id)
        : base($"The {aggregate} {id} was changed by someone else; reload it and try again.")
    {
        Aggregate = aggregate;
        Id = id;
    }

    /// <summary>A conflict on something without a version of its own, told by <paramref name="message"/>.</summary>
    public ConcurrencyConflictException(string message)
        : base(message)
    {
    }

    /// <summary>The aggregate's kind; null for a conflict on something else.</summary>
    public string? Aggregate { get; }

    /// <summary>The aggregate's id; null for a conflict on something else.</summary>
    public Guid? Id { get; }
}
