using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
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

    /// <summary>
    /// One attempt of <paramref name="request"/> (a <c>tools/call</c>, <c>prompts/get</c> or <c>resources/read</c>
    /// naming <paramref name="target"/>), answered on <paramref name="stream"/>: its capabilities from its <c>_meta</c>,
    /// its <c>requestState</c> and <c>inputResponses</c> when it is a retry.
    /// </summary>
    public static BridgedRequest For<TParams>(
        GatewaySession session, IClientPeer stream, RequestContext<TParams> request, string target, IDictionary<string, JsonElement>? arguments)
        where TParams : RequestParams =>
        For(session, stream, request.JsonRpcRequest.Method, request.Params, target, arguments, request.JsonRpcRequest.Context?.ClientCapabilities);

    /// <summary>The same, from the request's parts: its method, parameters and the capabilities its <c>_meta</c> declares.</summary>
    public static BridgedRequest For(
        GatewaySession session, IClientPeer stream, string method, RequestParams? parameters, string target,
        IDictionary<string, JsonElement>? arguments, ClientCapabilities? capabilities) =>
        new(session,
            stream,
            InputRequiredBridge.Digest(method, target, arguments),
            capabilities,
            parameters?.RequestState,
            parameters?.InputResponses);
}
