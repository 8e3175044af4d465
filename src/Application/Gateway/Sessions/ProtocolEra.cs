namespace OneMcp.Application.Gateway.Sessions;

/// <summary>
/// The two eras of MCP a client may speak to the gateway. Up to 2025-11-25 a client opens a session with
/// <c>initialize</c>; from 2026-07-28 on there is no session and every request is self-contained, so the
/// gateway judges each one alone (its filter, its token) and keeps nothing of it afterwards.
/// </summary>
public static class ProtocolEra
{
    /// <summary>The first revision without <c>initialize</c> and sessions.</summary>
    public const string FirstPerRequestRevision = "2026-07-28";

    /// <summary>
    /// The revisions that open a session with <c>initialize</c>, as the SDK knows them: a closed list, since
    /// <see cref="FirstPerRequestRevision"/> removed sessions for every later revision.
    /// </summary>
    public static readonly IReadOnlyList<string> SessionRevisions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    /// <summary>
    /// Whether a request declaring <paramref name="protocolVersion"/> (its <c>MCP-Protocol-Version</c> header)
    /// is served alone. Revisions are dates, so later ones compare greater; no version means an older client.
    /// </summary>
    public static bool IsPerRequest(string? protocolVersion) =>
        !string.IsNullOrEmpty(protocolVersion) && string.CompareOrdinal(protocolVersion, FirstPerRequestRevision) >= 0;
}
