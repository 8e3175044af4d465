using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>With <c>--resumable</c> or <c>--report-request-ids</c>: the id a call arrived with (the gateway's direct calls name their own).</summary>
[McpServerToolType]
internal sealed class RequestIdTools
{
    [McpServerTool(Name = "request_id")]
    [Description("Reports the JSON-RPC id this call arrived with.")]
    public static string RequestId(RequestContext<CallToolRequestParams> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.JsonRpcRequest.Id.ToString();
    }
}
