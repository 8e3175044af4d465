using System.Buffers;
using System.Text.Json;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// What answers a direct call in place of a stdio backend's answer that is over the line limit
/// (<see cref="StdioLineReader"/>), so that its caller learns it at once rather than at its timeout.
/// </summary>
internal static class StdioTooLongAnswer
{
    /// <summary>
    /// The JSON-RPC error that answers in place of a line over the limit, when the line is an answer: its <c>id</c> comes
    /// before its <c>result</c> or <c>error</c> (as the SDKs write them), after nothing but simple values. Otherwise
    /// (a request of the server's, an id that comes after the result) none.
    /// </summary>
    public static byte[]? ErrorFor(ReadOnlySequence<byte> start, string server)
    {
        var json = new Utf8JsonReader(start, isFinalBlock: false, state: default);
        string? text = null;
        long? number = null;
        try
        {
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                if (json.ValueTextEquals("id"u8))
                {
                    if (!json.Read())
                    {
                        return null;
                    }

                    if (json.TokenType == JsonTokenType.String)
                    {
                        text = json.GetString();
                    }
                    else if (json.TokenType == JsonTokenType.Number && json.TryGetInt64(out var value))
                    {
                        number = value;
                    }
                    else
                    {
                        return null;
                    }
                }
                else if (json.ValueTextEquals("result"u8) || json.ValueTextEquals("error"u8))
                {
                    return text is null && number is null ? null : Error(text, number);
                }
                else if (json.ValueTextEquals("method"u8) || !json.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: nothing answers in its place.
        }

        return null;

        byte[] Error(string? text, long? number)
        {
            var line = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(line))
            {
                writer.WriteStartObject();
                writer.WriteString("jsonrpc"u8, "2.0");
                if (text is not null)
                {
                    writer.WriteString("id"u8, text);
                }
                else
                {
                    writer.WriteNumber("id"u8, number!.Value);
                }

                writer.WriteStartObject("error"u8);
                writer.WriteNumber("code"u8, -32603); // Internal error
                writer.WriteString(
                    "message"u8, $"The answer of server '{server}' is longer than the {StdioLineReader.DefaultMaxLineBytes / (1024 * 1024)} MiB the gateway takes.");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            return line.WrittenSpan.ToArray();
        }
    }
}
