using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>
/// With <c>--faults</c>: calls whose HTTP exchanges go wrong. The tools run as usual; what goes wrong is done to their
/// requests and responses by <see cref="FaultMiddleware"/>.
/// </summary>
[McpServerToolType]
internal sealed class FaultTools(ServerState state)
{
    [McpServerTool(Name = "lost_poll")]
    [Description("Counts the call, closes its stream after retryMs and answers waitMs later; every GET that resumes a stream is refused (404) from then on.")]
    public async Task<string> LostPoll(
        RequestContext<CallToolRequestParams> context,
        [Description("Milliseconds the client waits before resuming.")] int retryMs,
        [Description("Milliseconds before the answer.")] int waitMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        state.RecordLostPoll();
        state.RefuseResumes = true;
        await context.EnablePollingAsync(TimeSpan.FromMilliseconds(retryMs), cancellationToken).ConfigureAwait(false);
        await Task.Delay(waitMs, cancellationToken).ConfigureAwait(false);
        return "answered on a stream nobody can resume";
    }

    [McpServerTool(Name = "lost_polls")]
    [Description("How many times lost_poll ran.")]
    public string LostPolls() => state.LostPolls.ToString(CultureInfo.InvariantCulture);

    [McpServerTool(Name = "flaky_poll")]
    [Description("Closes its stream after retryMs and answers waitMs later; the first two GETs that resume a stream are refused (503).")]
    public async Task<string> FlakyPoll(
        RequestContext<CallToolRequestParams> context,
        [Description("Milliseconds the client waits before resuming.")] int retryMs,
        [Description("Milliseconds before the answer.")] int waitMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        state.FailResumes(2);
        await context.EnablePollingAsync(TimeSpan.FromMilliseconds(retryMs), cancellationToken).ConfigureAwait(false);
        await Task.Delay(waitMs, cancellationToken).ConfigureAwait(false);
        return "answered on the third resumption";
    }

    [McpServerTool(Name = "gone")]
    [Description("Never runs: its POST is answered 404.")]
    public static string Gone() => "not refused";

    [McpServerTool(Name = "unanswered")]
    [Description("Never runs: its POST is answered with an event stream that ends at once, without the answer or an event id.")]
    public static string Unanswered() => "not cut short";

    [McpServerTool(Name = "garbled")]
    [Description("Echoes message; its stream carries events that are not JSON-RPC messages before the answer.")]
    public static string Garbled([Description("Text to return.")] string message) => message;

    [McpServerTool(Name = "huge_error")]
    [Description("Never runs: its POST is answered 500 with a body of 4 MB that then stalls.")]
    public static string HugeError() => "not refused";
}
