using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Api.Mcp;

/// <summary>
/// A session's <c>tools/list</c>, answered with the merged list serialized once (ADR 0035). Through its handler the
/// SDK would serialize the whole list, parse it back into a tree and write the tree, for every request: with thousands
/// of tools, megabytes of garbage per list. The engine hands every session that sees the same backend lists the same
/// answer (<see cref="GatewayEngine.ListTools"/>); its JSON is kept beside it for as long as the answer lives.
/// 2026-07-28 requests keep the SDK's path: their answers carry per-request cache hints and the server's identity.
/// </summary>
internal static class SerializedToolLists
{
    private static readonly ConditionalWeakTable<ListToolsResult, StrongBox<JsonElement>> Serialized = new();

    public static McpMessageFilter For(GatewayEngine engine, GatewaySession session) => next => async (context, cancellationToken) =>
    {
        // A cursor is refused by the engine on the SDK's path, with the SDK's error envelope.
        if (context.JsonRpcMessage is not JsonRpcRequest { Method: RequestMethods.ToolsList } request
            || request.Params?["cursor"] is not null
            || ProtocolEra.IsPerRequest(request.Context?.ProtocolVersion))
        {
            await next(context, cancellationToken);
            return;
        }

        var json = Serialized.GetValue(engine.ListTools(session, cursor: null), Serialize).Value;

        // A node of its own per response, over the shared read-only element: it writes the element as it is, and were
        // it ever changed on the way out it would copy the element first rather than change it for everyone.
        var result = JsonObject.Create(json) ?? throw new InvalidOperationException("A tool list serialized to nothing.");

        // The filter's server is bound to the request's own stream (the POST's, on streamable HTTP): the answer goes there.
        await context.Server.SendMessageAsync(new JsonRpcResponse { Id = request.Id, Result = result }, cancellationToken);
    };

    private static StrongBox<JsonElement> Serialize(ListToolsResult result) =>
        new(JsonSerializer.SerializeToElement(result, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ListToolsResult))));
}
