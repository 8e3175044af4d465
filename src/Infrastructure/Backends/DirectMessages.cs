using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Infrastructure.Backends;

/// <summary>The answer to a direct call as read from its bytes: its result's bytes, or its error.</summary>
internal readonly record struct DirectReply(ReadOnlyMemory<byte> Result, JsonRpcErrorDetail? Error);

/// <summary>
/// What the direct paths to HTTP backends (ADR 0039) and stdio backends (ADR 0044) share: a request written as the SDK
/// client writes it, under an id of the gateway's own (<c>onemcp-N</c>, which the SDK client's numbered ids never
/// are), and an answer read from its bytes, with the same result and the same errors as the SDK client's.
/// </summary>
internal static class DirectMessages
{
    /// <summary>A 2026-07-28 result that asks for input: the SDK client sends the request again and runs the rounds of questions.</summary>
    public const string InputRequired = "input_required";

    private const string IdPrefix = "onemcp-";

    private static long s_lastId;

    /// <summary>The number of a new direct call; its id is <see cref="Id"/> of it.</summary>
    public static long NextNumber() => Interlocked.Increment(ref s_lastId);

    public static string Id(long number) => string.Create(CultureInfo.InvariantCulture, $"{IdPrefix}{number}");

    /// <summary>The number in a direct call's id, if <paramref name="id"/> is one.</summary>
    public static bool TryReadNumber(ReadOnlySpan<byte> id, out long number)
    {
        number = 0;
        return id.StartsWith("onemcp-"u8) && Utf8Parser.TryParse(id[IdPrefix.Length..], out number, out var consumed) && consumed == id.Length - IdPrefix.Length;
    }

    /// <summary>
    /// What a direct call came to: its result; or none when a 2026-07-28 backend asked for input, and the SDK client
    /// sends the request again and answers its questions, as it does for its own requests (such a server asks again for
    /// a request without its answers).
    /// </summary>
    public static DirectAnswer<TResult> Answer<TResult>(TResult result, bool perRequest)
        where TResult : Result =>
        perRequest && result.ResultType == InputRequired ? new(null, SessionForgotten: false) : new(result, SessionForgotten: false);

    /// <summary>As the SDK does for a request its caller gave up on: the backend is told, and may stop working on it.</summary>
    public static void TellCancelled(McpClient client, string id) =>
        _ = client.SendNotificationAsync(
            NotificationMethods.CancelledNotification,
            new CancelledNotificationParams { RequestId = new RequestId(id) },
            McpJsonUtilities.DefaultOptions,
            CancellationToken.None);

    /// <summary>
    /// The backend answered a direct call's request with 404 for its session where the SDK client did not see it (the
    /// GET that resumes a call's stream): a ping through the SDK client meets the same refusal, and the SDK client ends
    /// the session as it does for its own requests, so the backend is reconnected. Never throws.
    /// </summary>
    public static void TellSessionGone(McpClient client) => _ = PingQuietlyAsync(client);

    private static async Task PingQuietlyAsync(McpClient client)
    {
        try
        {
            await client.PingAsync(cancellationToken: CancellationToken.None);
        }
        catch (Exception)
        {
            // Refused (the session is gone, which the SDK client now knows), or the client is closed already.
        }
    }

    /// <summary>The JSON-RPC request, as the SDK client writes it.</summary>
    public static void WriteRequest<TParams>(Utf8JsonWriter json, string id, string method, TParams parameters, JsonTypeInfo<TParams> parametersType)
    {
        json.WriteStartObject();
        json.WriteString("jsonrpc"u8, "2.0");
        json.WriteString("id"u8, id);
        json.WriteString("method"u8, method);
        json.WritePropertyName("params"u8);
        JsonSerializer.Serialize(json, parameters, parametersType);
        json.WriteEndObject();
    }

    /// <summary>
    /// The top level of <paramref name="message"/>, without a tree: whether it answers a request (a result or an error,
    /// no method), that request's id as written (<paramref name="id"/>; empty for a number or an escaped string, which a
    /// direct call's never is), and where its result is, or its error.
    /// </summary>
    public static bool TryReadReply(ReadOnlyMemory<byte> message, out ReadOnlySpan<byte> id, out DirectReply reply)
    {
        id = default;
        reply = default;
        var reader = new Utf8JsonReader(message.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var idStart = -1;
        var idLength = 0;
        ReadOnlyMemory<byte>? result = null;
        JsonRpcErrorDetail? error = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    idStart = (int)reader.TokenStartIndex + 1;
                    idLength = reader.ValueSpan.Length;
                }
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                result = message.Slice(start, (int)reader.BytesConsumed - start);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = JsonSerializer.Deserialize(ref reader, McpJson<JsonRpcErrorDetail>.Info);
            }
            else if (reader.ValueTextEquals("method"u8))
            {
                return false;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (result is null && error is null)
        {
            return false;
        }

        id = idStart < 0 ? default : message.Span.Slice(idStart, idLength);
        reply = new DirectReply(result ?? default, error);
        return true;
    }

    /// <summary>The reply's result, or the exception the SDK client throws for its error.</summary>
    public static TResult Result<TResult>(DirectReply reply, JsonTypeInfo<TResult> resultType)
    {
        if (reply.Error is { } error)
        {
            throw RemoteError(error);
        }

        return JsonSerializer.Deserialize(reply.Result.Span, resultType) ?? throw new JsonException("Unexpected JSON result in response.");
    }

    /// <summary>What the SDK throws for a backend's JSON-RPC error: the same type, message, code and data.</summary>
    public static McpProtocolException RemoteError(JsonRpcErrorDetail error)
    {
        var message = $"Request failed (remote): {error.Message}";
        var code = (McpErrorCode)error.Code;
        McpProtocolException exception = code == McpErrorCode.UrlElicitationRequired
            && error.Data is JsonElement { ValueKind: JsonValueKind.Object } urlData
            && urlData.Deserialize(McpJson<UrlElicitationRequiredErrorData>.Info) is { Elicitations: { } elicitations }
            ? new UrlElicitationRequiredException(message, elicitations)
            : new McpProtocolException(message, code);
        if (error.Data is JsonElement { ValueKind: JsonValueKind.Object } data)
        {
            foreach (var property in data.EnumerateObject())
            {
                object? value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number => property.Value.GetDouble(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    _ => property.Value,
                };
                exception.Data[property.Name] = value;
            }
        }

        return exception;
    }

    /// <summary>Whether <paramref name="id"/>, as read by <see cref="TryReadReply"/>, is <paramref name="expected"/>.</summary>
    public static bool IsId(ReadOnlySpan<byte> id, string expected) => Ascii.Equals(id, expected);
}
