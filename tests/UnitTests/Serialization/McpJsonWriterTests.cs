using System.Buffers;
using System.Text;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.UnitTests.Serialization;

/// <summary>The per-thread writer is reused: each write must still be whole, flushed and independent of the one before.</summary>
public sealed class McpJsonWriterTests
{
    [Fact]
    public void Writes_OneAfterAnother_EachGoWholeToTheirOwnOutput()
    {
        var first = new ArrayBufferWriter<byte>();
        var second = new ArrayBufferWriter<byte>();

        McpJsonWriter.Write(first, "a", static (json, value) => json.WriteStringValue(value));
        McpJsonWriter.Write(second, 7, static (json, value) => json.WriteNumberValue(value));

        Encoding.UTF8.GetString(first.WrittenSpan).ShouldBe("\"a\"");
        Encoding.UTF8.GetString(second.WrittenSpan).ShouldBe("7");
    }

    [Fact]
    public void TheWriterKeptForTheThread_DoesNotHoldOnToTheLastOutput()
    {
        var output = WriteOnceInto(1024 * 1024);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        output.IsAlive.ShouldBeFalse("a large output (a response's pipe, a scratch buffer let go) is not kept alive by the thread's writer");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference WriteOnceInto(int capacity)
    {
        var output = new ArrayBufferWriter<byte>(capacity);
        McpJsonWriter.Write(output, "a", static (json, value) => json.WriteStringValue(value));
        return new WeakReference(output);
    }

    [Fact]
    public void AWriteThatFailedHalfway_LeavesNothingBehindForTheNext()
    {
        var failed = new ArrayBufferWriter<byte>();
        Should.Throw<InvalidOperationException>(() => McpJsonWriter.Write(failed, 0, static (json, _) =>
        {
            json.WriteStartObject();
            json.WriteString("half"u8, "written");
            throw new InvalidOperationException("stop");
        }));
        var next = new ArrayBufferWriter<byte>();

        McpJsonWriter.Write(next, 0, static (json, _) =>
        {
            json.WriteStartObject();
            json.WriteEndObject();
        });

        Encoding.UTF8.GetString(next.WrittenSpan).ShouldBe("{}");
    }

    [Fact]
    public void AWriteStartedInsideAnother_HasAWriterOfItsOwn()
    {
        var outer = new ArrayBufferWriter<byte>();
        var inner = new ArrayBufferWriter<byte>();

        McpJsonWriter.Write(outer, inner, static (json, inner) =>
        {
            json.WriteStartArray();
            McpJsonWriter.Write(inner, 0, static (nested, _) => nested.WriteStringValue("inner"));
            json.WriteStringValue("outer");
            json.WriteEndArray();
        });

        Encoding.UTF8.GetString(outer.WrittenSpan).ShouldBe("[\"outer\"]");
        Encoding.UTF8.GetString(inner.WrittenSpan).ShouldBe("\"inner\"");
    }

    [Fact]
    public void NonAsciiText_IsWrittenAsTheSdkWritesIt()
    {
        var output = new ArrayBufferWriter<byte>();

        McpJsonWriter.Write(output, "héllo <b>", static (json, value) => json.WriteStringValue(value));

        Encoding.UTF8.GetString(output.WrittenSpan).ShouldBe(System.Text.Json.JsonSerializer.Serialize("héllo <b>", ModelContextProtocol.McpJsonUtilities.DefaultOptions));
    }

    [Fact]
    public void ToArray_GivesEachWriteItsOwnArray_OfExactlyItsLength()
    {
        var first = McpJsonWriter.ToArray("a long first value", static (json, value) => json.WriteStringValue(value));
        var second = McpJsonWriter.ToArray(7, static (json, value) => json.WriteNumberValue(value));

        Encoding.UTF8.GetString(first).ShouldBe("\"a long first value\"");
        Encoding.UTF8.GetString(second).ShouldBe("7");
    }

    [Fact]
    public void ToArray_AfterAWriteLargerThanTheBufferItKeeps_StillWritesEachWhole()
    {
        var large = new string('x', 100_000);

        var big = McpJsonWriter.ToArray(large, static (json, value) => json.WriteStringValue(value));
        var small = McpJsonWriter.ToArray("small", static (json, value) => json.WriteStringValue(value));

        big.Length.ShouldBe(large.Length + 2);
        Encoding.UTF8.GetString(small).ShouldBe("\"small\"");
    }

    [Fact]
    public void ToArray_AfterAWriteThatFailedHalfway_HoldsOnlyTheNextWrite()
    {
        Should.Throw<InvalidOperationException>(() => McpJsonWriter.ToArray(0, static (json, _) =>
        {
            json.WriteStartObject();
            json.WriteString("half"u8, "written");
            throw new InvalidOperationException("stop");
        }));

        var next = McpJsonWriter.ToArray(0, static (json, _) =>
        {
            json.WriteStartObject();
            json.WriteEndObject();
        });

        Encoding.UTF8.GetString(next).ShouldBe("{}");
    }

    [Fact]
    public void ToArray_StartedInsideAnother_HasABufferOfItsOwn()
    {
        byte[]? inner = null;

        var outer = McpJsonWriter.ToArray(0, (json, _) =>
        {
            json.WriteStartArray();
            inner = McpJsonWriter.ToArray(0, static (nested, _) => nested.WriteStringValue("inner"));
            json.WriteStringValue("outer");
            json.WriteEndArray();
        });

        Encoding.UTF8.GetString(outer).ShouldBe("[\"outer\"]");
        Encoding.UTF8.GetString(inner!).ShouldBe("\"inner\"");
    }

    [Fact]
    public void ReadNode_ReadsANodeAsJsonNodeDeserializeDoes()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse("""{"name":"caf\u00e9 <b>","version":"1.0","title":"T"}""")!;

        var read = McpJsonWriter.ReadNode(node, McpJson<ModelContextProtocol.Protocol.Implementation>.Info)!;

        var expected = System.Text.Json.JsonSerializer.Deserialize(node, McpJson<ModelContextProtocol.Protocol.Implementation>.Info)!;
        (read.Name, read.Version, read.Title).ShouldBe((expected.Name, expected.Version, expected.Title));
        read.Name.ShouldBe("café <b>");
    }

    [Fact]
    public void ReadNode_OfTheWrongShape_IsRefused_AndTheNextReadIsWhole()
    {
        var wrong = System.Text.Json.Nodes.JsonNode.Parse("""["not","an","object"]""")!;

        Should.Throw<System.Text.Json.JsonException>(() => McpJsonWriter.ReadNode(wrong, McpJson<ModelContextProtocol.Protocol.Implementation>.Info));
        McpJsonWriter.ReadNode(System.Text.Json.Nodes.JsonNode.Parse("\"debug\"")!, McpJson<ModelContextProtocol.Protocol.LoggingLevel>.Info)
            .ShouldBe(ModelContextProtocol.Protocol.LoggingLevel.Debug);
    }

    [Fact]
    public void ReadNode_InsideAToArray_HasABufferOfItsOwn()
    {
        string? inner = null;

        var outer = McpJsonWriter.ToArray(0, (json, _) =>
        {
            json.WriteStartArray();
            inner = McpJsonWriter.ReadNode(System.Text.Json.Nodes.JsonNode.Parse("\"inner\"")!, McpJson<string>.Info);
            json.WriteStringValue("outer");
            json.WriteEndArray();
        });

        Encoding.UTF8.GetString(outer).ShouldBe("[\"outer\"]");
        inner.ShouldBe("inner");
    }
}
