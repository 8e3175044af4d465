namespace OneMcp.Domain.Common;

/// <summary>
/// An aggregate saved with optimistic concurrency. <see cref="Version"/> increases with every change;
/// <see cref="LoadedVersion"/> is the version the store holds for this copy (the one it was read with, or last
/// saved as). A repository saves only when the stored version is still <see cref="LoadedVersion"/>, else it
/// throws <see cref="ConcurrencyConflictException"/>; handlers never track versions themselves.
/// </summary>
public abstract class Aggregate
{
    /// <summary>A new aggregate (version 1, not stored yet).</summary>
    protected Aggregate(Guid id, DateTimeOffset createdAt)
        : this(id, version: 1, createdAt) => LoadedVersion = 0;

    /// <summary>An aggregate read from the store at <paramref name="version"/>.</summary>
    protected Aggregate(Guid id, int version, DateTimeOffset createdAt)
    {
        Id = id;
        Version = version;
        LoadedVersion = version;
        CreatedAt = createdAt;
    }

    public Guid Id { get; }

    /// <summary>Increases with every change; repositories refuse to save a stale copy.</summary>
    public int Version { get; private set; }

    /// <summary>The version the store holds for this copy; 0 while it has never been stored.</summary>
    public int LoadedVersion { get; private set; }

    /// <summary>Changed since it was loaded or last saved.</summary>
    public bool HasUnsavedChanges => Version != LoadedVersion;

    public DateTimeOffset CreatedAt { get; }

    /// <summary>A repository stored this copy: from now on the store holds <see cref="Version"/>.</summary>
    internal void MarkSaved() => LoadedVersion = Version;

    /// <summary>Records one change (one step of <see cref="Version"/>).</summary>
    protected void Bump() => Version++;
}
