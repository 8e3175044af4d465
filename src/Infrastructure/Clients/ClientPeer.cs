using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Infrastructure.Clients;

/// <summary>
/// A client as the SDK exposes it. Built from a request's own server object, it answers on that request's
/// stream (where streamable HTTP clients expect progress and questions about the request).
/// </summary>
public sealed class ClientPeer(McpServer server) : IClientPeer
{
    public bool SupportsSampling => CanAsk && server.ClientCapabilities?.Sampling is not null;

    public bool SupportsElicitation => CanAsk && server.ClientCapabilities?.Elicitation is not null;

    public bool SupportsRoots => CanAsk && server.ClientCapabilities?.Roots is not null;

    // A 2026-07-28 client takes no requests from the server, whatever it declares: it answers them through
    // input_required results (MRTR), which InputRequiredBridge turns them into for calls, reads and prompts.
    private bool CanAsk => !ProtocolEra.IsPerRequest(server.NegotiatedProtocolVersion);

    public Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken) =>
        server.SendMessageAsync(new JsonRpcNotification { Method = method, Params = parameters }, cancellationToken);

    public ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken) =>
        server.SampleAsync(request, cancellationToken);

    public ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken) =>
        server.ElicitAsync(request, cancellationToken);

    public ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken) =>
        server.RequestRootsAsync(request, cancellationToken);
}
