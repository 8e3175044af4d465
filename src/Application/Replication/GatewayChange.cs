namespace OneMcp.Application.Replication;

/// <summary>
/// A committed change the other replicas must follow: its <see cref="Kind"/> and, where it helps them, the name of
/// what changed (a backend, a preset, a tag, a user). Never a secret: it travels in clear on the database channel.
/// </summary>
public sealed record GatewayChange(GatewayChangeKind Kind, string? Name = null);
