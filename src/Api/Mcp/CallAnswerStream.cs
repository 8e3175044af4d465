using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Api.Mcp;

/// <summary>
/// The event stream of a POST whose request the gateway answers without the SDK's server (ADR 0036, ADR 0038): a
/// server-sent event per message, the request's progress, log notifications and questions first, then its answer,
/// and nothing after the answer, nor once the request ended (<see cref="CloseAsync"/>). Written as the SDK writes it, with the JSON-RPC response serialized around the typed
/// result rather than through a JSON tree of it.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The gate is awaited only (no wait handle is ever made), and a backend's late notification may still reach it after the request ended.")]
internal abstract class CallAnswerStream(HttpResponse response)
{
    /// <summary>How long a call may run before its response's headers are sent on their own (the SDK's grace for 2026-07-28 requests).</summary>
    internal static readonly TimeSpan HeadersWithin = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _closed; // answered, or the request ended

    protected HttpResponse Response => response;

    /// <summary>The request's result.</summary>
    public Task AnswerAsync<TResult>(RequestId id, TResult result, JsonTypeInfo<TResult> typeInfo, CancellationToken cancellationToken)
        where TResult : Result
    {
        Complete(result);
        return WriteAsync((id, result, typeInfo), static (json, answer) =>
        {
            json.WriteStartObject();
            json.WritePropertyName("result"u8);
            JsonSerializer.Serialize(json, answer.result, answer.typeInfo);
            json.WritePropertyName("id"u8);
            JsonSerializer.Serialize(json, answer.id, McpJson<RequestId>.Info);
            json.WriteString("jsonrpc"u8, "2.0");
            json.WriteEndObject();
        }, error: null, final: true, cancellationToken);
    }

    /// <summary>The request's error.</summary>
    public Task FailAsync(RequestId id, JsonRpcErrorDetail error, CancellationToken cancellationToken) =>
        WriteAsync(new JsonRpcError { Id = id, JsonRpc = "2.0", Error = error }, final: true, cancellationToken);

    /// <summary>
    /// Waits for <paramref name="answering"/>, which writes on this stream. Its headers go with its first message, in
    /// one write with the answer when that is the only one; a call still silent after <see cref="HeadersWithin"/> has
    /// them sent on their own, so that a client waiting for the headers of a long call does not time out.
    /// </summary>
    public async Task AwaitAsync(Task answering, CancellationToken cancellationToken)
    {
        if (!answering.IsCompleted)
        {
            // One timer object per call, and no exception thrown when it fires: this runs for every call.
            await answering.WaitAsync(HeadersWithin, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!answering.IsCompleted)
            {
                try
                {
                    await BeginIfSilentAsync(cancellationToken);
                }
                catch (Exception)
                {
                    // The call still runs, and writes on this stream: the request lasts until it ended (its own outcome first).
                    await answering;
                    throw;
                }
            }
        }

        await answering;
    }

    private async Task BeginIfSilentAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_closed && !response.HasStarted)
            {
                Start(firstError: null);
                await response.BodyWriter.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The request ended, however it ended (answered, failed, cancelled, its client gone): nothing more is written on its
    /// response, which Kestrel reuses for the connection's next request. A message about the call that comes later (a
    /// cancelled call's queued progress, the SDK's withdrawal of a question it asked) is refused as one after the answer
    /// is: a session's goes to the session's own stream, a 2026-07-28 request's is dropped. Waits for a write under way.
    /// </summary>
    public async Task CloseAsync()
    {
        await _gate.WaitAsync(CancellationToken.None);
        _closed = true;
        _gate.Release();
    }

    /// <summary>What the revision adds to every result before it is written.</summary>
    protected virtual void Complete(Result result)
    {
    }

    /// <summary>Sets the response's status and headers, before its first byte; <paramref name="firstError"/> is the first message when it is an error.</summary>
    protected abstract void Start(JsonRpcError? firstError);

    /// <summary>A message before the answer; false when the answer was written already or the request ended (nothing more goes on this stream).</summary>
    protected Task<bool> WriteAsync(JsonRpcMessage message, bool final, CancellationToken cancellationToken) =>
        WriteAsync(message, static (json, message) => JsonSerializer.Serialize(json, message, McpJson<JsonRpcMessage>.Info), message as JsonRpcError, final, cancellationToken);

    /// <summary>The headers of an event stream, as the SDK sends them, with the response's buffering off.</summary>
    protected void StartEventStream(int status)
    {
        response.StatusCode = status;
        var headers = response.Headers;
        headers.ContentType = "text/event-stream";
        headers.CacheControl = "no-cache,no-store";
        headers.ContentEncoding = "identity";
        headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    // What is written travels as state to a static delegate: no closure and delegate per message.
    private async Task<bool> WriteAsync<TState>(TState state, Action<Utf8JsonWriter, TState> write, JsonRpcError? error, bool final, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_closed)
            {
                return false;
            }

            _closed = final;
            if (!response.HasStarted)
            {
                Start(error);
            }

            var body = response.BodyWriter;
            body.Write("event: message\ndata: "u8);
            McpJsonWriter.Write(body, (state, write), static (json, message) => message.write(json, message.state));

            body.Write("\n\n"u8);
            if (!final)
            {
                await body.FlushAsync(cancellationToken);
            }

            // The answer is sent with the end of the response, in one write, when the request returns.
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
