namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>
/// What a <c>requestState</c> the gateway hands a 2026-07-28 client stands for: which waiting call it continues,
/// on which replica (<see cref="ReplicaId"/>, the process holding the call), who may continue it, for which request,
/// and until when. It travels protected (encrypted and authenticated) behind the replica id in clear,
/// <c>&lt;replicaId&gt;.&lt;protected&gt;</c>, so another replica can route the retry without opening it (ADR 0029,
/// 0031); the protected part repeats the id, so an altered id is refused (<see cref="InputRequiredBridge"/>).
/// </summary>
public sealed record RequestStateTicket(string CallId, string ReplicaId, string Principal, string RequestDigest, DateTimeOffset ExpiresAt)
{
    /// <summary>Separates the replica id in clear from the protected part (which never contains it).</summary>
    public const char Separator = '.';

    /// <summary>
    /// The replica a <c>requestState</c> says holds its waiting call, read without opening it (not authenticated:
    /// only a hint where to send the retry), or null when it has no such prefix.
    /// </summary>
    public static string? ReplicaIdOf(string? requestState)
    {
        var end = requestState?.IndexOf(Separator, StringComparison.Ordinal) ?? -1;
        return end > 0 ? requestState![..end] : null;
    }
}
