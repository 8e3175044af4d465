using ModelContextProtocol;
using OneMcp.Api.Mcp;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// A call the gateway answers itself (ADR 0036, 0038) and that fails with something other than an MCP error reaches its
/// client as a bare internal error, as through the SDK; the failure itself is logged, or nobody would ever see it.
/// </summary>
public sealed class UnexpectedFailuresTests
{
    [Fact]
    public void AFailureThatIsNotAnMcpError_IsAnsweredAsAnInternalError_AndLogged()
    {
        var capture = new LogCapture();

        var error = PerRequestCalls.ErrorOf(new InvalidOperationException("the engine broke"), capture.CreateLogger(GatewayMcp.LogCategory));

        error.Code.ShouldBe((int)McpErrorCode.InternalError);
        error.Message.ShouldBe("An error occurred.");
        var line = capture.Lines.ShouldHaveSingleItem();
        line.ShouldStartWith("Error ");
        line.ShouldContain("the engine broke");
    }

    [Fact]
    public void AnMcpError_IsAnsweredAsItIs_AndNotLogged()
    {
        var capture = new LogCapture();

        var error = PerRequestCalls.ErrorOf(
            new McpProtocolException("Unknown tool: 'nope'.", McpErrorCode.InvalidParams), capture.CreateLogger(GatewayMcp.LogCategory));

        error.Code.ShouldBe((int)McpErrorCode.InvalidParams);
        error.Message.ShouldBe("Unknown tool: 'nope'.");
        capture.Lines.ShouldBeEmpty();
    }
}
