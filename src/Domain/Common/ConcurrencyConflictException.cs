namespace OneMcp.Domain.Common;

/// <summary>
/// A repository refused to save because someone else saved the same thing since it was loaded (an aggregate's
/// <c>Version</c> no longer matches, or a stored document changed under every retry of a compare-and-swap). The
/// caller reloads and decides again; nothing was written.
/// </summary>
public sealed class ConcurrencyConflictException : Exception
{
    /// <summary>A stale copy of an aggregate.</summary>
    /// <param name="aggregate">Its kind, as users call it (<c>"backend"</c>).</param>
    /// <param name="id">Its id.</param>
    /// <param name="name">
    /// What users know it by (a backend's or preset's name, a tag, a user name): the message names it, never the id,
    /// which no answer of the gateway shows.
    /// </param>
    public ConcurrencyConflictException(string aggregate, Guid id, string name)
        : base($"The {aggregate} '{name}' was changed by someone else; reload it and try again.")
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
