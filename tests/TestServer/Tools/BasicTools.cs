using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>Tools that answer from the server alone, including the deliberate failure modes.</summary>
[McpServerToolType]
internal sealed class BasicTools(ServerState state)
{
    [McpServerTool(Name = "echo")]
    [Description("Returns the message unchanged.")]
    public static string Echo([Description("Text to echo back.")] string message) => message;

    [McpServerTool(Name = "add")]
    [Description("Adds two numbers.")]
    public static string Add([Description("First addend.")] double a, [Description("Second addend.")] double b) =>
        (a + b).ToString(CultureInfo.InvariantCulture);

    [McpServerTool(Name = "whoami")]
    [Description("Reports the server name, process id and start time; a new pid means the backend restarted.")]
    public string WhoAmI() => new JsonObject
    {
        ["name"] = state.Name,
        ["pid"] = state.Pid,
        ["startedAt"] = state.StartedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
    }.ToJsonString();

    [McpServerTool(Name = "fail")]
    [Description("Returns a tool result flagged as an error.")]
    public static CallToolResult Fail() => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "intentional failure" }],
    };

    // A plain McpException would be folded into an isError tool result by the SDK; only
    // McpProtocolException surfaces as a JSON-RPC error response.
    [McpServerTool(Name = "throw")]
    [Description("Fails the request with a JSON-RPC error.")]
    public static string Throw() =>
        throw new McpProtocolException("intentional protocol error", McpErrorCode.InternalError);

    [McpServerTool(Name = "crash")]
    [Description("Answers, then terminates the server process with exit code 1 once the answer is written.")]
    public string Crash(RequestContext<CallToolRequestParams> context)
    {
        state.CrashAfterAnswerTo = context.JsonRpcRequest.Id;
        return "crashing";
    }
}
