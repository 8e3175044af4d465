using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.Application.Gateway.InputRequests;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Api.Mcp;

/// <summary>
/// Runs a 2026-07-28 <c>tools/call</c>, <c>prompts/get</c> or <c>resources/read</c> through the
/// <see cref="InputRequiredBridge"/>, so the backend's questions reach the client as <c>input_required</c>.
/// </summary>
internal static class BridgedCalls
{
    public static ValueTask<TResult> RunAsync<TParams, TResult>(
        InputRequiredBridge bridge,
        GatewaySession session,
        RequestContext<TParams> request,
        string target,
        IDictionary<string, JsonElement>? arguments,
        Func<IClientPeer, CancellationToken, ValueTask<TResult>> call,
        CancellationToken cancellationToken)
        where TParams : RequestParams
        where TResult : Result
    {
        var bridged = new BridgedRequest(
            session,
            new ClientPeer(request.Server),
            InputRequiredBridge.Digest(request.JsonRpcRequest.Method, target, arguments),
            request.JsonRpcRequest.Context?.ClientCapabilities,
            request.Params?.RequestState,
            request.Params?.InputResponses);
        return bridge.RunAsync(bridged, call, cancellationToken);
    }
}
