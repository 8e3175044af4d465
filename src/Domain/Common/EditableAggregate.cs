namespace OneMcp.Domain.Common;

/// <summary>An aggregate edited over its lifetime: every change moves <see cref="Aggregate.Version"/> and <see cref="UpdatedAt"/>.</summary>
public abstract class EditableAggregate : Aggregate
{
    protected EditableAggregate(Guid id, DateTimeOffset createdAt)
        : base(id, createdAt) => UpdatedAt = createdAt;

    protected EditableAggregate(Guid id, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt)
        : base(id, version, createdAt) => UpdatedAt = updatedAt;

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Applies <paramref name="change"/> and records it at <paramref name="now"/>.</summary>
    protected void Touch(Action change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        change();
        Bump();
        UpdatedAt = now;
    }
}
