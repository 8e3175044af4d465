using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Infrastructure.Backends;

/// <summary>Where a streamable HTTP backend's requests go, and how: the client (with its bearer and trace handlers) and headers its SDK transport uses.</summary>
internal sealed record DirectHttpEndpoint(HttpClient Http, Uri Url, IReadOnlyDictionary<string, string> Headers) : DirectRoute
{
    public override IDirectCalls Open(McpClient client, Action<JsonRpcMessage> deliver, Implementation clientInfo, ClientCapabilities capabilities) =>
        new DirectBackendCalls(this, client, deliver, clientInfo, capabilities);
}

/// <summary>
/// What a direct call came to: the backend's result, or none, and then the SDK client sends the request. With
/// <see cref="SessionForgotten"/> the backend refused it for an unknown session (404): nothing ran.
/// </summary>
internal readonly record struct DirectAnswer<TResult>(TResult? Result, bool SessionForgotten);

/// <summary>
/// Sends a forwarded <c>tools/call</c>, <c>resources/read</c> or <c>prompts/get</c> to a streamable HTTP backend
/// without the SDK client's per-message pipeline (ADR 0039): the request is written straight from its typed
/// parameters, the POST goes through the same <see cref="HttpClient"/> as the SDK's own requests, and the result is
/// read straight from the answer's bytes. Everything else the backend sends on the call's stream goes where the SDK
/// client's transport would have put it (<paramref name="deliver"/>): progress to its call at once, log messages and
/// questions to the client to the SDK client's handlers, which answer as before. A backend in a session that no
/// longer knows it is left to the SDK (nothing ran), which ends the session as it does for its own requests. A
/// 2026-07-28 backend gets the envelope the SDK client writes into every request's <c>_meta</c>
/// (<paramref name="clientInfo"/>, <paramref name="capabilities"/>, the revision); when it answers with
/// <c>input_required</c>, the SDK client sends the request again and runs the rounds of questions and answers.
/// </summary>
internal sealed class DirectBackendCalls(
    DirectHttpEndpoint endpoint, McpClient client, Action<JsonRpcMessage> deliver, Implementation clientInfo, ClientCapabilities capabilities) : IDirectCalls
{
    // What the SDK's transport sends, as one unparsed value.
    private const string AcceptBoth = "application/json, text/event-stream";
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");
    private static readonly MediaTypeHeaderValue JsonContent = new("application/json") { CharSet = "utf-8" };

    // The SDK's own reconnection budget for a call's stream that ended before its answer (resumability).
    private const int MaxResumptions = 5;
    private static readonly TimeSpan DefaultRetry = TimeSpan.FromSeconds(1);

    // The backend's own headers (its configured ones and the gateway's User-Agent), as an array: a dictionary's
    // enumerator through the interface would be one more object per call.
    private readonly KeyValuePair<string, string>[] _headers = [.. endpoint.Headers];

    private readonly DirectEnvelope _envelope = new(clientInfo, capabilities);

    /// <summary>
    /// Whether a request about to go out over <paramref name="current"/> can be sent here: these calls use its session,
    /// and it holds one (before the SDK client has one, or after it lost it, the SDK client sends), or it speaks a
    /// revision without sessions.
    /// </summary>
    public bool Serves(McpClient current) =>
        ReferenceEquals(current, client) && (client.SessionId is not null || ProtocolEra.IsPerRequest(client.NegotiatedProtocolVersion));

    /// <summary>
    /// The result; or none when the backend refused the session (404: nothing ran) or asked for input (2026-07-28
    /// <c>input_required</c>), and the caller sends the request through the SDK client, which ends the session or runs
    /// the rounds of questions.
    /// </summary>
    /// <param name="method">The request's method.</param>
    /// <param name="name">The tool, prompt or resource it names, sent as <c>Mcp-Name</c> (with <c>Mcp-Method</c>), as the SDK client does.</param>
    /// <param name="parameters">The request's parameters.</param>
    /// <param name="parametersType">How they are written.</param>
    /// <param name="resultType">How the result is read.</param>
    /// <param name="cancellationToken">Cancels the call; the backend is told.</param>
    public async ValueTask<DirectAnswer<TResult>> SendAsync<TParams, TResult>(
        string method, string name, TParams parameters, JsonTypeInfo<TParams> parametersType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
        where TParams : RequestParams
        where TResult : Result
    {
        var sessionId = client.SessionId;
        var version = client.NegotiatedProtocolVersion;
        var perRequest = sessionId is null && ProtocolEra.IsPerRequest(version);
        var id = DirectMessages.Id(DirectMessages.NextNumber());
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = perRequest
                    ? _envelope.Written(parameters, version!, (id, method, parametersType), static (enveloped, request) => Body(request.id, request.method, enveloped, request.parametersType))
                    : Body(id, method, parameters, parametersType),
            };
            AddHeaders(request.Headers, sessionId, version, lastEventId: null);
            request.Headers.TryAddWithoutValidation("Mcp-Method", method);
            if (name.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0)
            {
                // Only printable ASCII goes into a header (a resource URI comes from the client); the name is in the body anyway.
                request.Headers.TryAddWithoutValidation("Mcp-Name", name);
            }
            request.Headers.TryAddWithoutValidation("Accept", AcceptBoth);
            using var response = await endpoint.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound && sessionId is not null)
            {
                return new(null, SessionForgotten: true);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw await FailureAsync(response, cancellationToken);
            }

            var stream = new AnswerStream(id, deliver);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (mediaType == "application/json")
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                if (bytes.Length > 0)
                {
                    stream.Read(bytes);
                }
            }
            else if (mediaType == "text/event-stream")
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                await stream.ReadEventsAsync(body, cancellationToken);
                await ResumeAsync(stream, sessionId, version, cancellationToken);
            }

            var result = stream.Answer is { } answer
                ? DirectMessages.Result(answer, resultType)
                : throw new McpException($"Streamable HTTP POST response completed without a reply to request with ID: {id}");

            return DirectMessages.Answer(result, perRequest);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DirectMessages.TellCancelled(client, id);
            throw;
        }
    }

    // A stream that ended after an event id without the answer: the backend keeps the rest for a GET that names the last
    // event, the SDK's own resumption.
    private async Task ResumeAsync(AnswerStream stream, string? sessionId, string? version, CancellationToken cancellationToken)
    {
        for (var attempt = 0; stream.Answer is null && stream.LastEventId is { } lastEventId && attempt < MaxResumptions; attempt++)
        {
            await Task.Delay(stream.Retry ?? DefaultRetry, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Url);
            AddHeaders(request.Headers, sessionId, version, lastEventId);
            request.Headers.Accept.Add(EventStream);
            using var response = await endpoint.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw await FailureAsync(response, cancellationToken);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await stream.ReadEventsAsync(body, cancellationToken);
        }
    }

    private void AddHeaders(HttpRequestHeaders headers, string? sessionId, string? version, string? lastEventId)
    {
        if (sessionId is not null)
        {
            headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        }

        if (version is not null)
        {
            headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
        }

        if (lastEventId is not null)
        {
            headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        foreach (var (name, value) in _headers)
        {
            headers.TryAddWithoutValidation(name, value);
        }
    }

    private static ByteArrayContent Body<TParams>(string id, string method, TParams parameters, JsonTypeInfo<TParams> parametersType)
    {
        var body = McpJsonWriter.ToArray(
            (id, method, parameters, parametersType),
            static (json, request) => DirectMessages.WriteRequest(json, request.id, request.method, request.parameters, request.parametersType));

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonContent;
        return content;
    }

    // As the SDK's transport: a JSON-RPC error in a 400 (or a per-request metadata error in any status) is the backend's
    // answer; any other refusal is an HTTP failure.
    private static async Task<Exception> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.Content.Headers.ContentType?.MediaType == "application/json" && body.Length > 0)
        {
            try
            {
                if (JsonSerializer.Deserialize(body, McpJson<JsonRpcMessage>.Info) is JsonRpcError error
                    && (response.StatusCode == HttpStatusCode.BadRequest
                        || (McpErrorCode)error.Error.Code is McpErrorCode.UnsupportedProtocolVersion or McpErrorCode.MissingRequiredClientCapability or McpErrorCode.HeaderMismatch))
                {
                    return DirectMessages.RemoteError(error.Error);
                }
            }
            catch (JsonException)
            {
                // Not a JSON-RPC error: an HTTP failure, below.
            }
        }

        return new HttpRequestException(
            HttpRequestError.Unknown,
            $"Response status code does not indicate success: {(int)response.StatusCode} ({response.ReasonPhrase}). Response body: {body}",
            inner: null,
            response.StatusCode);
    }

    /// <summary>Reads the messages of one call's response: the answer to <paramref name="id"/> is kept, everything else delivered.</summary>
    private sealed class AnswerStream(string id, Action<JsonRpcMessage> deliver)
    {
        public DirectReply? Answer { get; private set; }

        public string? LastEventId { get; private set; }

        public TimeSpan? Retry { get; private set; }

        public async Task ReadEventsAsync(Stream body, CancellationToken cancellationToken)
        {
            var parser = SseParser.Create(body, static (_, data) => data.ToArray());
            await foreach (var item in parser.EnumerateAsync(cancellationToken))
            {
                LastEventId = parser.LastEventId is { Length: > 0 } last ? last : LastEventId;
                Retry = parser.ReconnectionInterval > TimeSpan.Zero ? parser.ReconnectionInterval : Retry;
                if (item.EventType == "message" && item.Data.Length > 0)
                {
                    Read(item.Data);
                    if (Answer is not null)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>One JSON-RPC message: the answer when it is one to this call, else handed on as the SDK would read it.</summary>
        public void Read(byte[] message)
        {
            if (DirectMessages.TryReadReply(message, out var replyId, out var reply) && DirectMessages.IsId(replyId, id))
            {
                Answer = reply;
                return;
            }

            if (JsonSerializer.Deserialize(message, McpJson<JsonRpcMessage>.Info) is { } other)
            {
                deliver(other);
            }
        }
    }
}
