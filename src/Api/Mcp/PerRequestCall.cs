using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.Api.Http;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Api.Mcp;

/// <summary>
/// A 2026-07-28 <c>tools/call</c>, <c>resources/read</c> or <c>prompts/get</c> that <see cref="PerRequestCalls"/>
/// answers itself (ADR 0036): read from a request that passes every check the SDK makes of such a request, so that
/// answering it outside the SDK accepts nothing the SDK would refuse. Anything else is left to the SDK.
/// </summary>
internal sealed record PerRequestCall(
    RequestId Id,
    string Method,
    string Target,
    RequestParams Parameters,
    IDictionary<string, JsonElement>? Arguments,
    ClientCapabilities? Capabilities,
    JsonObject Meta)
{
    /// <summary>
    /// Whether the request's headers alone may make it one (checked before its body is read): a streamable HTTP POST
    /// without a session, of the 2026-07-28 revision, naming one of the three methods and its target in plain ASCII,
    /// with no <c>Mcp-Param-*</c> header, from a client that accepts both answers streamable HTTP allows.
    /// </summary>
    public static bool MayBe(HttpRequest request)
    {
        if (!GatewayRoutes.IsStreamablePost(request))
        {
            return false;
        }

        var headers = request.Headers;
        if (McpHeaders.NamesSession(headers)
            || !string.Equals(headers[McpHeaders.ProtocolVersion], ProtocolEra.FirstPerRequestRevision, StringComparison.Ordinal)
            || !IsHotMethod(headers[McpHeaders.Method])
            || !IsPlainName(headers[McpHeaders.Name]))
        {
            return false;
        }

        foreach (var header in headers)
        {
            if (header.Key.StartsWith(McpHeaders.ParamPrefix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return AcceptsBothAnswers(request);
    }

    /// <summary>Whether the client accepts both answers streamable HTTP allows (the SDK refuses a POST that does not).</summary>
    internal static bool AcceptsBothAnswers(HttpRequest request)
    {
        // A client sends the same Accept with every request: the last verdict is reused rather than parsed again.
        var header = request.Headers.Accept;
        var single = header.Count == 1 ? header[0] : null;
        if (single is not null && s_lastAccept is { } last && string.Equals(last.Header, single, StringComparison.Ordinal))
        {
            return last.Accepts;
        }

        var accept = request.GetTypedHeaders().Accept;
        var accepts = accept.Any(a => a.MatchesMediaType("application/json")) && accept.Any(a => a.MatchesMediaType("text/event-stream"));
        if (single is not null)
        {
            s_lastAccept = new AcceptVerdict(single, accepts);
        }

        return accepts;
    }

    private sealed record AcceptVerdict(string Header, bool Accepts);

    private static AcceptVerdict? s_lastAccept;

    /// <summary>
    /// The request in <paramref name="body"/>, when it is one (see <see cref="MayBe"/>): a JSON-RPC request whose method
    /// and target match the headers, whose <c>_meta</c> carries the revision of the header and the client's
    /// capabilities, and whose parameters are well-formed. Null when anything differs: the SDK then answers it.
    /// The parameters are read straight into their typed form, without a JSON tree of the whole request.
    /// </summary>
    public static PerRequestCall? Read(ReadOnlySpan<byte> body, IHeaderDictionary headers)
    {
        try
        {
            var method = headers[McpHeaders.Method].ToString();
            if (ReadHotCall(body, method) is not { } call
                || call.Parameters.Meta is not { } meta
                || !string.Equals(call.Target, headers[McpHeaders.Name], StringComparison.Ordinal)
                || !IsString(meta[MetaKeys.ProtocolVersion], ProtocolEra.FirstPerRequestRevision)
                || meta[MetaKeys.ClientCapabilities] is not JsonObject capabilities)
            {
                return null;
            }

            // The SDK reads these _meta fields of every such request and refuses one it cannot read.
            var capabilitiesOf = McpJsonWriter.ReadNode(capabilities, McpJson<ClientCapabilities>.Info);
            if (meta[MetaKeys.ClientInfo] is { } clientInfo)
            {
                _ = McpJsonWriter.ReadNode(clientInfo, McpJson<Implementation>.Info);
            }

            if (meta[MetaKeys.LogLevel] is { } logLevel)
            {
                _ = McpJsonWriter.ReadNode(logLevel, McpJson<LoggingLevel>.Info);
            }

            // The revision names the hop from the client to the gateway, which has read it now; a backend is spoken to in
            // its own (ForwardedMeta). Taken out here, the rest of the client's _meta is passed on as it is, not copied.
            meta.Remove(MetaKeys.ProtocolVersion);
            return new PerRequestCall(call.Id, method, call.Target, call.Parameters, call.Arguments, capabilitiesOf, meta);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return null;
        }
    }

    /// <summary>
    /// A <c>tools/call</c>, <c>resources/read</c> or <c>prompts/get</c> request in <paramref name="body"/>, its parameters
    /// read straight into their typed form without a JSON tree of the whole request: a JSON-RPC envelope (see
    /// <see cref="TryReadEnvelope"/>) whose method is <paramref name="method"/> when one is given, or any of the three,
    /// and parameters that are well-formed. Null when anything differs; throws <see cref="JsonException"/> for
    /// parameters of the wrong shape.
    /// </summary>
    internal static HotCall? ReadHotCall(ReadOnlySpan<byte> body, string? method)
    {
        if (!TryReadEnvelope(body, out var envelope) || (method is not null && !string.Equals(envelope.Method, method, StringComparison.Ordinal)))
        {
            return null;
        }

        var id = JsonSerializer.Deserialize(body[envelope.Id], McpJson<RequestId>.Info);
        var parameters = body[envelope.Params];
        (RequestParams? typed, string? target, IDictionary<string, JsonElement>? arguments) = envelope.Method switch
        {
            RequestMethods.ToolsCall when JsonSerializer.Deserialize(parameters, McpJson<CallToolRequestParams>.Info) is { } call =>
                (call, call.Name, call.Arguments),
            RequestMethods.PromptsGet when JsonSerializer.Deserialize(parameters, McpJson<GetPromptRequestParams>.Info) is { } prompt =>
                ((RequestParams?)prompt, prompt.Name, prompt.Arguments),
            RequestMethods.ResourcesRead when JsonSerializer.Deserialize(parameters, McpJson<ReadResourceRequestParams>.Info) is { } read =>
                (read, read.Uri, null),
            _ => (null, null, null),
        };
        return typed is null || target is null ? null : new HotCall(id, envelope.Method!, target, typed, arguments);
    }

    /// <summary>A request of one of the three hot methods, read by <see cref="ReadHotCall"/>.</summary>
    internal sealed record HotCall(RequestId Id, string Method, string Target, RequestParams Parameters, IDictionary<string, JsonElement>? Arguments);

    /// <summary>
    /// The JSON-RPC envelope: <c>"jsonrpc": "2.0"</c>, a string or number <c>id</c>, the <c>method</c> and the
    /// <c>params</c> object, each once and nothing else.
    /// </summary>
    private static bool TryReadEnvelope(ReadOnlySpan<byte> body, out Envelope envelope)
    {
        envelope = default;
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool version = false, hasId = false, hasMethod = false, hasParams = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("jsonrpc"u8) && !version)
            {
                version = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("2.0"u8);
                if (!version)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("id"u8) && !hasId)
            {
                hasId = reader.Read() && reader.TokenType is JsonTokenType.String or JsonTokenType.Number;
                if (!hasId)
                {
                    return false;
                }

                envelope.Id = (int)reader.TokenStartIndex..(int)reader.BytesConsumed; // a string's quotes included
            }
            else if (reader.ValueTextEquals("method"u8) && !hasMethod)
            {
                hasMethod = reader.Read() && reader.TokenType == JsonTokenType.String;
                if (!hasMethod)
                {
                    return false;
                }

                envelope.Method = HotMethodOf(ref reader) ?? reader.GetString();
            }
            else if (reader.ValueTextEquals("params"u8) && !hasParams)
            {
                hasParams = reader.Read() && reader.TokenType == JsonTokenType.StartObject;
                if (!hasParams)
                {
                    return false;
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                envelope.Params = start..(int)reader.BytesConsumed;
            }
            else
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && !reader.Read() && version && hasId && hasMethod && hasParams;
    }

    // The hot methods' names without a new string per request.
    private static string? HotMethodOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("tools/call"u8) ? RequestMethods.ToolsCall
        : reader.ValueTextEquals("resources/read"u8) ? RequestMethods.ResourcesRead
        : reader.ValueTextEquals("prompts/get"u8) ? RequestMethods.PromptsGet
        : null;

    private struct Envelope
    {
        public Range Id;
        public string? Method;
        public Range Params;
    }

    private static bool IsHotMethod(string? method) =>
        method is RequestMethods.ToolsCall or RequestMethods.ResourcesRead or RequestMethods.PromptsGet;

    // A name outside printable ASCII travels Base64-encoded ("=?base64?...?="), and surrounding spaces are trimmed by
    // the SDK: both are left to it.
    private static bool IsPlainName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith("=?", StringComparison.Ordinal) || name[0] == ' ' || name[^1] == ' ')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsString(JsonNode? node, string expected) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && string.Equals(text, expected, StringComparison.Ordinal);

    /// <summary>
    /// What reading a body the fast paths leave to the SDK throws: malformed JSON or a value of the wrong shape
    /// (<see cref="JsonException"/>), or a token the reader cannot give as asked, such as a string with an escaped half
    /// of a surrogate pair ("\\ud800"), which the JSON reader accepts and reading it as text refuses
    /// (<see cref="InvalidOperationException"/>). The SDK answers each with its JSON-RPC error.
    /// </summary>
    internal static bool IsUnreadable(Exception e) => e is JsonException or InvalidOperationException;
}
