namespace OneMcp.Application.Audit;

/// <summary>
/// One audited event: who did what to which backend (or user, preset, tag, grant ...), how it ended and how long it
/// took. It holds names and codes only, never arguments, results or secrets: a row must be safe to show to every
/// administrator.
/// </summary>
/// <param name="Time">When the event ended.</param>
/// <param name="Kind">One of <see cref="AuditKinds"/>.</param>
/// <param name="Outcome">One of <see cref="AuditOutcomes"/>.</param>
/// <param name="UserName">The user name as the dashboard shows it (for a failed sign-in: the name tried); null when auth is off.</param>
/// <param name="Subject">The user's id (token or cookie subject); null when unknown.</param>
/// <param name="ClientId">The OAuth client of the token (<c>client_id</c>/<c>azp</c>), when there is one.</param>
/// <param name="Backend">The backend the event concerns, when there is one.</param>
/// <param name="Name">The tool, prompt, resource URI or operation.</param>
/// <param name="DurationMs">Wall time of the event in milliseconds.</param>
/// <param name="ErrorCode">A stable code when the outcome is a failure (a JSON-RPC code, a domain code, ...).</param>
public sealed record AuditEntry(
    DateTimeOffset Time,
    string Kind,
    string Outcome,
    string? UserName,
    string? Subject,
    string? ClientId,
    string? Backend,
    string? Name,
    long DurationMs,
    string? ErrorCode)
{
    /// <summary>
    /// Whose credentials a call used (<see cref="AuditCredentials"/>): the caller's own connection to a per-user
    /// backend, or the backend's shared one; null for events that are not calls to a backend.
    /// </summary>
    public string? Credentials { get; init; }

    /// <summary>
    /// What an administrative change or decision was made to, other than a backend: the user changed, the preset, the
    /// tag, the grant or authorization request, the OAuth client consented to, the user whose connection was revoked or
    /// approved; as the command named it, clipped (<see cref="AuditText"/>). Null for calls, sign-ins, backend changes.
    /// </summary>
    public string? Target { get; init; }

    /// <summary>
    /// The entry's identity, fixed when it is queued (<see cref="WithKey"/>): the store keeps one row per key, so a batch
    /// written again after a commit that was not acknowledged (a connection lost at that moment) adds nothing twice.
    /// <see cref="Guid.Empty"/> until then; an entry stored without a key is never taken for another.
    /// </summary>
    public Guid Key { get; init; }

    /// <summary>This entry with its identity fixed, unless it has one already.</summary>
    public AuditEntry WithKey() => Key == Guid.Empty ? this with { Key = Guid.CreateVersion7(Time) } : this;
}

/// <summary>The values of <see cref="AuditEntry.Credentials"/>.</summary>
public static class AuditCredentials
{
    /// <summary>The caller's own connection to a per-user backend (ADR 0033).</summary>
    public const string User = "user";

    /// <summary>The backend's one credential set, the same for everyone.</summary>
    public const string Shared = "shared";
}
