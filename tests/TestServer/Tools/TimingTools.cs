using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>Tools that take time, used to exercise cancellation and progress forwarding.</summary>
[McpServerToolType]
internal sealed class TimingTools(ServerState state)
{
    [McpServerTool(Name = "slow")]
    [Description("Waits the given number of milliseconds; cancellable.")]
    public async Task<string> Slow([Description("Milliseconds to wait.")] int ms, CancellationToken cancellationToken)
    {
        // Counted so tests can cancel a call they know the backend is running.
        state.RecordStartedSlowCall();
        try
        {
            await Task.Delay(ms, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Counted so tests can prove a client-side cancel actually reached this backend.
            state.RecordCancelledSlowCall();
            throw;
        }

        return $"done after {ms} ms";
    }

    [McpServerTool(Name = "cancellations")]
    [Description("Number of slow calls cancelled so far in this process.")]
    public string Cancellations() => state.CancelledSlowCalls.ToString(CultureInfo.InvariantCulture);

    [McpServerTool(Name = "slow_started")]
    [Description("Number of slow calls started so far in this process.")]
    public string SlowStarted() => state.StartedSlowCalls.ToString(CultureInfo.InvariantCulture);

    [McpServerTool(Name = "progress")]
    [Description("Sends one progress notification per step, delayMs apart, then returns.")]
    public static async Task<string> Progress(
        RequestContext<CallToolRequestParams> context,
        [Description("Number of progress notifications.")] int steps,
        [Description("Milliseconds before each step.")] int delayMs,
        CancellationToken cancellationToken)
    {
        var progressToken = context.Params?.ProgressToken;
        for (var step = 1; step <= steps; step++)
        {
            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);

            // Awaited rather than IProgress.Report so every notification is written before the result.
            if (progressToken is { } token)
            {
                await context.Server.NotifyProgressAsync(
                    token,
                    new ProgressNotificationValue { Progress = step, Total = steps, Message = $"step {step}" },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        return "done";
    }
}
