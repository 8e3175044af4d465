using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>With <c>--resumable</c>: a call whose stream is closed before its answer.</summary>
[McpServerToolType]
internal sealed class ResumableTools
{
    [McpServerTool(Name = "poll")]
    [Description("Closes this call's stream, asking the client to resume it after retryMs, then answers waitMs later on the resumed stream.")]
    public static async Task<string> Poll(
        RequestContext<CallToolRequestParams> context,
        [Description("Milliseconds the client waits before resuming.")] int retryMs,
        [Description("Milliseconds before the answer.")] int waitMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.EnablePollingAsync(TimeSpan.FromMilliseconds(retryMs), cancellationToken).ConfigureAwait(false);
        await Task.Delay(waitMs, cancellationToken).ConfigureAwait(false);
        return "answered on the resumed stream";
    }
}
