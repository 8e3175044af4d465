using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Api.Mcp;

/// <summary>
/// The response of one request answered by <see cref="PerRequestCalls"/>, written as the SDK writes a 2026-07-28
/// POST's (<see cref="CallAnswerStream"/>). It is also the client as the request's backend call sees it: a 2026-07-28
/// client takes no requests from the server (its questions become <c>input_required</c> answers, MRTR).
/// </summary>
internal sealed class PerRequestStream(HttpResponse response) : CallAnswerStream(response), IClientPeer
{
    public bool SupportsSampling => false;

    public bool SupportsElicitation => false;

    public bool SupportsRoots => false;

    public Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken) =>
        WriteAsync(new JsonRpcNotification { Method = method, Params = parameters }, final: false, cancellationToken);

    public ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken) => throw NoRequests();

    public ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken) => throw NoRequests();

    public ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken) => throw NoRequests();

    // Serialised once: each result gets a node over these parsed bytes, not a serialisation and parse of its own.
    private static readonly JsonElement ServerInfo = JsonSerializer.SerializeToElement(GatewayMcp.ServerInfo, McpJson<Implementation>.Info);

    /// <summary>Every 2026-07-28 result names the server and its <c>resultType</c>, as the SDK adds them.</summary>
    protected override void Complete(Result result)
    {
        result.ResultType ??= "complete";
        (result.Meta ??= new JsonObject())[MetaKeys.ServerInfo] = JsonObject.Create(ServerInfo);
    }

    /// <summary>When the first message is an error, its code may also set the HTTP status (SEP-2575).</summary>
    protected override void Start(JsonRpcError? firstError) => StartEventStream((McpErrorCode?)firstError?.Error.Code switch
    {
        McpErrorCode.MethodNotFound => StatusCodes.Status404NotFound,
        McpErrorCode.MissingRequiredClientCapability or McpErrorCode.UnsupportedProtocolVersion or McpErrorCode.HeaderMismatch => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status200OK,
    });

    private static InvalidOperationException NoRequests() =>
        new("A 2026-07-28 client takes no requests from the server; its questions are asked through input_required answers.");
}
