using System.Buffers;
using System.Text.Json;
using ModelContextProtocol;

namespace OneMcp.Infrastructure.Mcp;

/// <summary>
/// Writes MCP JSON as the SDK does (its encoder; no validation, the values come typed) with one writer per thread:
/// the hot paths write a request or an answer on every call, synchronously, and a new writer for each was garbage on
/// every call.
/// </summary>
public static class McpJsonWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = McpJsonUtilities.DefaultOptions.Encoder, SkipValidation = true };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Runs <paramref name="write"/> with a writer on <paramref name="output"/>, flushed when it returns.</summary>
    public static void Write<TState>(IBufferWriter<byte> output, TState state, Action<Utf8JsonWriter, TState> write)
    {
        ArgumentNullException.ThrowIfNull(write);

        // Taken, not shared: a write that started another on this thread would get a writer of its own.
        var json = t_writer ?? new Utf8JsonWriter(output, Options);
        t_writer = null;
        json.Reset(output);
        try
        {
            write(json, state);
            json.Flush();
        }
        finally
        {
            json.Reset();
            t_writer = json;
        }
    }
}
