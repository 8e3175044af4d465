using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Api.Mcp;

/// <summary>
/// The response of one request answered by <see cref="PerRequestCalls"/>, written as the SDK writes a 2026-07-28
/// POST's: a server-sent event per message, the request's progress and log notifications first, then its answer,
/// and nothing after the answer. It is also the client as the request's backend call sees it: a 2026-07-28 client
/// takes no requests from the server (its questions become <c>input_required</c> answers, MRTR).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The gate is awaited only (no wait handle is ever made), and a backend's late notification may still reach it after the request ended.")]
internal sealed class PerRequestStream(HttpResponse response) : IClientPeer
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = McpJsonUtilities.DefaultOptions.Encoder, SkipValidation = true };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _answered;

    public bool SupportsSampling => false;

    public bool SupportsElicitation => false;

    public bool SupportsRoots => false;

    public Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken) =>
        WriteAsync(new JsonRpcNotification { Method = method, Params = parameters }, final: false, cancellationToken);

    public ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken) => throw NoRequests();

    public ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken) => throw NoRequests();

    public ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken) => throw NoRequests();

    /// <summary>The request's result, with the server's identity and its <c>resultType</c>, as the SDK adds them.</summary>
    public Task AnswerAsync<TResult>(RequestId id, TResult result, JsonTypeInfo<TResult> typeInfo, CancellationToken cancellationToken)
        where TResult : Result
    {
        result.ResultType ??= "complete";
        (result.Meta ??= new JsonObject())[MetaKeys.ServerInfo] = JsonSerializer.SerializeToNode(GatewayMcp.ServerInfo, McpJson<Implementation>.Info);

        // The JSON-RPC response is written around the typed result, without a JsonNode of it in between.
        return WriteAsync(json =>
        {
            json.WriteStartObject();
            json.WritePropertyName("result"u8);
            JsonSerializer.Serialize(json, result, typeInfo);
            json.WritePropertyName("id"u8);
            JsonSerializer.Serialize(json, id, McpJson<RequestId>.Info);
            json.WriteString("jsonrpc"u8, "2.0");
            json.WriteEndObject();
        }, error: null, final: true, cancellationToken);
    }

    /// <summary>The request's error; when it is the first message, its code may also set the HTTP status (SEP-2575).</summary>
    public Task FailAsync(RequestId id, JsonRpcErrorDetail error, CancellationToken cancellationToken) =>
        WriteAsync(new JsonRpcError { Id = id, JsonRpc = "2.0", Error = error }, final: true, cancellationToken);

    private Task WriteAsync(JsonRpcMessage message, bool final, CancellationToken cancellationToken) =>
        WriteAsync(json => JsonSerializer.Serialize(json, message, McpJson<JsonRpcMessage>.Info), message as JsonRpcError, final, cancellationToken);

    private async Task WriteAsync(Action<Utf8JsonWriter> write, JsonRpcError? error, bool final, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_answered)
            {
                return;
            }

            _answered = final;
            if (!response.HasStarted)
            {
                Start(error);
            }

            var body = response.BodyWriter;
            body.Write("event: message\ndata: "u8);
            using (var json = new Utf8JsonWriter(body, WriterOptions))
            {
                write(json);
            }

            body.Write("\n\n"u8);
            await body.FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Start(JsonRpcError? error)
    {
        response.StatusCode = (McpErrorCode?)error?.Error.Code switch
        {
            McpErrorCode.MethodNotFound => StatusCodes.Status404NotFound,
            McpErrorCode.MissingRequiredClientCapability or McpErrorCode.UnsupportedProtocolVersion or McpErrorCode.HeaderMismatch => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status200OK,
        };
        var headers = response.Headers;
        headers.ContentType = "text/event-stream";
        headers.CacheControl = "no-cache,no-store";
        headers.ContentEncoding = "identity";
        headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private static InvalidOperationException NoRequests() =>
        new("A 2026-07-28 client takes no requests from the server; its questions are asked through input_required answers.");
}
