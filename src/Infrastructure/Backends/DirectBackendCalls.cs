using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Where a streamable HTTP backend's requests go, and how: the client (with its bearer and trace handlers) and headers its
/// SDK transport uses; the backend's name and a logger for what its calls' streams carry that is not a message.
/// </summary>
internal sealed record DirectHttpEndpoint(HttpClient Http, Uri Url, IReadOnlyDictionary<string, string> Headers, string Server, ILogger Logger) : DirectRoute
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
/// stream that ends before the answer is resumed (after network errors and 5xx too, as the SDK does); when resuming
/// fails, the call fails with <see cref="DirectAnswerLostException"/> and is never sent again (the backend accepted it).
/// A 2026-07-28 backend gets the envelope the SDK client writes into every request's <c>_meta</c>
/// (<paramref name="clientInfo"/>, <paramref name="capabilities"/>, the revision); when it answers with
/// <c>input_required</c>, the SDK client sends the request again and runs the rounds of questions and answers.
/// </summary>
internal sealed partial class DirectBackendCalls(
    DirectHttpEndpoint endpoint, McpClient client, Action<JsonRpcMessage> deliver, Implementation clientInfo, ClientCapabilities capabilities) : IDirectCalls
{
    // What the SDK's transport sends, as one unparsed value.
    private const string AcceptBoth = "application/json, text/event-stream";
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");
    private static readonly MediaTypeHeaderValue JsonContent = new("application/json") { CharSet = "utf-8" };

    // The SDK's own reconnection budget for a call's stream that ended before its answer (resumability): attempts in a
    // row that failed (a network error, a 5xx) or brought nothing new.
    private const int MaxResumptions = 5;
    private static readonly TimeSpan DefaultRetry = TimeSpan.FromSeconds(1);

    // How much of a refusal's body is read (enough for a JSON-RPC error), for how long, and how much of it goes into
    // the exception's message (the SDK's 5 s and 1,024 characters): a backend's error page never holds the call up.
    private const int MaxErrorBodyBytes = 16 * 1024;
    private const int MaxErrorBodyInMessage = 1024;
    private static readonly TimeSpan ErrorBodyTimeout = TimeSpan.FromSeconds(5);

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
            // Raw: McpNameHeaderHandler encodes it on its way out, as it does the SDK client's.
            request.Headers.TryAddWithoutValidation(McpNameHeaderHandler.Header, name);
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

            var stream = new AnswerStream(id, deliver, endpoint);
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
                await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
                {
                    await stream.ReadEventsAsync(body, cancellationToken);
                }

                if (stream.Answer is null && stream.LastEventId is not null)
                {
                    await ResumeAsync(stream, id, sessionId, version, cancellationToken);
                }
            }

            // A response that ended without the answer and cannot be resumed (no event id): the backend accepted the
            // request (a server whose session is deleted meanwhile ends its streams so), so the call fails as one whose
            // answer is lost, naming the backend, and is not sent again.
            var result = stream.Answer is { } answer
                ? DirectMessages.Result(answer, resultType)
                : throw Lost(id, "it cannot be resumed (it carried no event id)", inner: null);

            return DirectMessages.Answer(result, perRequest);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DirectMessages.TellCancelled(client, id);
            throw;
        }
    }

    // A stream that ended after an event id without the answer: the backend keeps the rest for a GET that names the last
    // event, the SDK's own resumption. As the SDK: a network error or a 5xx is tried again (up to MaxResumptions in a
    // row); any other refusal ends it. The backend accepted the request and may have run it, so a call whose answer
    // is lost fails, and is never sent again; a 404 in a session also means the session is gone, which the SDK
    // client is made to see (it ends the session, and the backend is reconnected).
    private async Task ResumeAsync(AnswerStream stream, string id, string? sessionId, string? version, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        for (var attempt = 0; attempt < MaxResumptions;)
        {
            await Task.Delay(stream.Retry ?? DefaultRetry, cancellationToken);
            var lastEventId = stream.LastEventId!;
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Url);
            AddHeaders(request.Headers, sessionId, version, lastEventId);
            request.Headers.Accept.Add(EventStream);
            HttpResponseMessage response;
            try
            {
                response = await endpoint.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                failure = e;
                attempt++;
                continue;
            }

            using (response)
            {
                if (response.StatusCode >= HttpStatusCode.InternalServerError)
                {
                    failure = await FailureAsync(response, cancellationToken);
                    attempt++;
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    if (response.StatusCode == HttpStatusCode.NotFound && sessionId is not null)
                    {
                        DirectMessages.TellSessionGone(client);
                    }

                    throw Lost(id, $"resuming it was refused ({(int)response.StatusCode} {response.ReasonPhrase})", await FailureAsync(response, cancellationToken));
                }

                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var ended = await stream.ReadEventsAsync(body, cancellationToken);
                if (stream.Answer is not null)
                {
                    return;
                }

                // A stream that ended cleanly after new events: the backend is polling, and the budget starts again.
                attempt = ended && !string.Equals(stream.LastEventId, lastEventId, StringComparison.Ordinal) ? 0 : attempt + 1;
                failure = null;
            }
        }

        throw Lost(id, $"resuming it failed {MaxResumptions} times in a row", failure);
    }

    private static DirectAnswerLostException Lost(string id, string why, Exception? inner) =>
        new(DirectAnswerLostException.Describe(id, why), inner);

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
        var body = await ReadErrorBodyAsync(response, cancellationToken);
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
                // Not a JSON-RPC error (or cut short): an HTTP failure, below.
            }
        }

        var shown = body.Length > MaxErrorBodyInMessage ? string.Concat(body.AsSpan(0, MaxErrorBodyInMessage), "...") : body;
        return new HttpRequestException(
            HttpRequestError.Unknown,
            shown.Length > 0
                ? $"Response status code does not indicate success: {(int)response.StatusCode} ({response.ReasonPhrase}). Response body: {shown}"
                : $"Response status code does not indicate success: {(int)response.StatusCode} ({response.ReasonPhrase}).",
            inner: null,
            response.StatusCode);
    }

    // The start of a refusal's body, within ErrorBodyTimeout; empty when it cannot be read. Only the caller's own
    // cancellation ends the call from here.
    private static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ErrorBodyTimeout);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[MaxErrorBodyBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), timeout.Token)) > 0)
            {
                length += read;
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return string.Empty;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: skipped a message of {Length} bytes on a call's stream that is not a JSON-RPC message")]
    private static partial void LogMessageSkipped(ILogger logger, string server, int length, Exception exception);

    /// <summary>Reads the messages of one call's response: the answer to <paramref name="id"/> is kept, everything else delivered.</summary>
    private sealed class AnswerStream(string id, Action<JsonRpcMessage> deliver, DirectHttpEndpoint endpoint)
    {
        public DirectReply? Answer { get; private set; }

        public string? LastEventId { get; private set; }

        public TimeSpan? Retry { get; private set; }

        /// <summary>
        /// Reads events until the answer or the end of the stream: whether it ended (true) or broke off (false; a network
        /// error after an event id, which the caller resumes; before one there is nothing to resume, and it is thrown).
        /// </summary>
        public async Task<bool> ReadEventsAsync(Stream body, CancellationToken cancellationToken)
        {
            var parser = SseParser.Create(body, static (_, data) => data.ToArray());
            try
            {
                await foreach (var item in parser.EnumerateAsync(cancellationToken))
                {
                    LastEventId = parser.LastEventId is { Length: > 0 } last ? last : LastEventId;
                    Retry = parser.ReconnectionInterval > TimeSpan.Zero ? parser.ReconnectionInterval : Retry;
                    if (item.EventType == "message" && item.Data.Length > 0)
                    {
                        Read(item.Data);
                        if (Answer is not null)
                        {
                            return true;
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException && LastEventId is not null && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            return true;
        }

        /// <summary>
        /// One JSON-RPC message: the answer when it is one to this call, else handed on as the SDK would read it. As the
        /// SDK does, one that is not a JSON-RPC message (not JSON, <c>{}</c>, a reply with neither result nor error) is
        /// logged, without its content, and skipped.
        /// </summary>
        public void Read(byte[] message)
        {
            try
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
            catch (JsonException e)
            {
                LogMessageSkipped(endpoint.Logger, endpoint.Server, message.Length, e);
            }
        }
    }
}
