using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.UnitTests.Backends;

/// <summary>What the direct paths to HTTP and stdio backends read from an answer's bytes, without a tree.</summary>
public sealed class DirectMessagesTests
{
    [Theory]
    [InlineData("onemcp-1", true, 1L)]
    [InlineData("onemcp-9223372036854775807", true, long.MaxValue)]
    [InlineData("onemcp-", false, 0L)]
    [InlineData("onemcp-12x", false, 0L)]
    [InlineData("other-12", false, 0L)]
    [InlineData("12", false, 0L)]
    public void TryReadNumber_ReadsOnlyTheGatewaysOwnIds(string id, bool isOurs, long number)
    {
        DirectMessages.TryReadNumber(Encoding.UTF8.GetBytes(id), out var read).ShouldBe(isOurs);
        if (isOurs)
        {
            read.ShouldBe(number);
        }
    }

    [Fact]
    public void TryReadReply_FindsTheIdAndTheResult_WhereverTheyAre()
    {
        var message = Bytes("""{"result":{"content":[{"type":"text","text":"hi"}]},"jsonrpc":"2.0","id":"onemcp-7"}""");

        DirectMessages.TryReadReply(message, out var id, out var reply).ShouldBeTrue();

        Encoding.UTF8.GetString(id).ShouldBe("onemcp-7");
        DirectMessages.IsId(id, "onemcp-7").ShouldBeTrue();
        var result = DirectMessages.Result(reply, McpJson<CallToolResult>.Info);
        result.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("hi");
    }

    [Fact]
    public void TryReadReply_IsFalse_ForRequestsAndNotifications()
    {
        DirectMessages.TryReadReply(Bytes("""{"jsonrpc":"2.0","id":"onemcp-3","method":"sampling/createMessage","params":{}}"""), out _, out _).ShouldBeFalse();
        DirectMessages.TryReadReply(Bytes("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}"""), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryReadReply_OfANumberedId_HasNoIdOfTheGateways()
    {
        DirectMessages.TryReadReply(Bytes("""{"jsonrpc":"2.0","id":12,"result":{}}"""), out var id, out _).ShouldBeTrue();

        id.IsEmpty.ShouldBeTrue();
        DirectMessages.TryReadNumber(id, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryReadReply_OfMalformedJson_Throws()
    {
        // The stdio session skips such a line as not a message, and the HTTP path fails the call: neither reads on.
        Should.Throw<JsonException>(() => DirectMessages.TryReadReply(Bytes("""{"jsonrpc":"2.0","id":"onemcp-1","result":{"""), out _, out _));
    }

    [Fact]
    public void Result_OfAnError_IsTheSdkClientsException()
    {
        var message = Bytes("""{"jsonrpc":"2.0","id":"onemcp-2","error":{"code":-32602,"message":"Unknown tool","data":{"tool":"x","retry":false}}}""");

        DirectMessages.TryReadReply(message, out _, out var reply).ShouldBeTrue();
        var error = Should.Throw<McpProtocolException>(() => DirectMessages.Result(reply, McpJson<CallToolResult>.Info));

        error.Message.ShouldBe("Request failed (remote): Unknown tool");
        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        error.Data["tool"].ShouldBe("x");
        error.Data["retry"].ShouldBe(false);
    }

    private static ReadOnlyMemory<byte> Bytes(string json) => Encoding.UTF8.GetBytes(json);
}
