using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;

namespace OneMcp.Infrastructure.Mcp;

/// <summary>
/// Writes MCP JSON as the SDK does (its encoder; no validation, the values come typed) with one writer per thread:
/// the hot paths write a request or an answer on every call, synchronously, and a new writer for each was garbage on
/// every call. A JSON node is read back into its type through the same writer and a buffer the thread keeps.
/// </summary>
public static class McpJsonWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = McpJsonUtilities.DefaultOptions.Encoder, SkipValidation = true };

    // A scratch buffer that grew beyond this (one large request) is let go rather than held by its thread for good.
    private const int MaxKeptScratch = 64 * 1024;

    // What a kept writer points at between writes: never written to (each write starts with Reset(output)), it keeps
    // the writer from holding on to the last output (a response's pipe, a scratch buffer let go) until its thread's next write.
    private static readonly ArrayBufferWriter<byte> Detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

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
            json.Reset(Detached);
            t_writer = json;
        }
    }

    /// <summary>
    /// What <paramref name="write"/> writes, as an array of exactly its length: written into a buffer this thread keeps,
    /// then copied once. A new growing buffer per request would cost its first bytes and then, as soon as the request
    /// outgrows them, 4 KB more (a writer grows its output by at least that much).
    /// </summary>
    public static byte[] ToArray<TState>(TState state, Action<Utf8JsonWriter, TState> write) =>
        WithScratch((state, write), static (scratch, call) =>
        {
            Write(scratch, call.state, call.write);
            return scratch.WrittenSpan.ToArray();
        });

    /// <summary>What <paramref name="write"/> writes and a newline, as one array (<see cref="ToArray"/>): a message of a stdio connection.</summary>
    public static byte[] ToLine<TState>(TState state, Action<Utf8JsonWriter, TState> write) =>
        WithScratch((state, write), static (scratch, call) =>
        {
            Write(scratch, call.state, call.write);
            scratch.Write("\n"u8);
            return scratch.WrittenSpan.ToArray();
        });

    /// <summary>
    /// <paramref name="node"/> read as <typeparamref name="T"/>, as <see cref="JsonSerializer.Deserialize{TValue}(JsonNode?, JsonTypeInfo{TValue})"/>
    /// reads it (written out, then read back), but through this thread's writer and buffer instead of a new writer and
    /// a pooled buffer each time.
    /// </summary>
    public static T? ReadNode<T>(JsonNode node, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(type);
        return WithScratch((node, type), static (scratch, read) =>
        {
            Write(scratch, read, static (json, source) => source.node.WriteTo(json, source.type.Options));
            return JsonSerializer.Deserialize(scratch.WrittenSpan, read.type);
        });
    }

    // The thread's scratch buffer, taken (not shared: a use inside another gets a buffer of its own) and given back
    // empty, unless one large use grew it beyond what is worth keeping.
    private static TResult WithScratch<TState, TResult>(TState state, Func<ArrayBufferWriter<byte>, TState, TResult> use)
    {
        var scratch = t_scratch ?? new ArrayBufferWriter<byte>(4096);
        t_scratch = null;
        try
        {
            return use(scratch, state);
        }
        finally
        {
            if (scratch.Capacity <= MaxKeptScratch)
            {
                scratch.ResetWrittenCount();
                t_scratch = scratch;
            }
        }
    }
}
