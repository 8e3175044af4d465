using ModelContextProtocol.Protocol;

namespace OneMcp.TestServer;

/// <summary>
/// Process-wide facts the tools report. Registered as an instance at startup so <see cref="StartedAt"/>
/// reflects process start rather than the first tool call.
/// </summary>
internal sealed class ServerState(ServerSettings settings)
{
    private int _cancelledSlowCalls;
    private int _startedSlowCalls;

    public string Name => settings.Name;

    public int Pid { get; } = Environment.ProcessId;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public int CancelledSlowCalls => Volatile.Read(ref _cancelledSlowCalls);

    public void RecordCancelledSlowCall() => Interlocked.Increment(ref _cancelledSlowCalls);

    public int StartedSlowCalls => Volatile.Read(ref _startedSlowCalls);

    public void RecordStartedSlowCall() => Interlocked.Increment(ref _startedSlowCalls);

    /// <summary>
    /// The crash tool's request: once its answer has been written, the process exits with code 1
    /// (<see cref="TestServerSetup"/>'s outgoing filter). Exiting on a timer instead raced the answer on a busy machine:
    /// a fresh process could still be compiling its first response when the timer fired.
    /// </summary>
    public RequestId? CrashAfterAnswerTo { get; set; }
}
