using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>
/// One 2026-07-28 request that may need the client's input: who sent it, what it asks (its digest binds a
/// <c>requestState</c> to it), what its client can answer, and the stream this attempt is answered on.
/// </summary>
public sealed record BridgedRequest(
    GatewaySession Session,
    IClientPeer Stream,
    string RequestDigest,
    ClientCapabilities? Capabilities,
    string? RequestState,
    IDictionary<string, InputResponse>? InputResponses)
{
    /// <summary>Who may continue the request: its token's user and client (anonymous without authentication).</summary>
    public string Principal => $"{Session.Actor.Subject ?? "-"}|{Session.Actor.ClientId ?? "-"}";
}
