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
    private int _lostPolls;
    private bool _refuseResumes;
    private int _failingResumes;

    public string Name => settings.Name;

    public int Pid { get; } = Environment.ProcessId;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public int CancelledSlowCalls => Volatile.Read(ref _cancelledSlowCalls);

    public void RecordCancelledSlowCall() => Interlocked.Increment(ref _cancelledSlowCalls);

    public int StartedSlowCalls => Volatile.Read(ref _startedSlowCalls);

    /// <summary>How many times the tool <c>lost_poll</c> ran (<c>--faults</c>).</summary>
    public int LostPolls => Volatile.Read(ref _lostPolls);

    public void RecordLostPoll() => Interlocked.Increment(ref _lostPolls);

    /// <summary>Set by <c>flaky_poll</c>: how many GETs that resume a stream are refused with 503 before they are served.</summary>
    public void FailResumes(int count) => Volatile.Write(ref _failingResumes, count);

    public bool TakeFailingResume() => Interlocked.Decrement(ref _failingResumes) >= 0;

    /// <summary>Set by <c>lost_poll</c>: every GET that resumes a stream (with <c>Last-Event-ID</c>) is refused with 404.</summary>
    public bool RefuseResumes
    {
        get => Volatile.Read(ref _refuseResumes);
        set => Volatile.Write(ref _refuseResumes, value);
    }

    public void RecordStartedSlowCall() => Interlocked.Increment(ref _startedSlowCalls);

    /// <summary>
    /// The crash tool's request: once its answer has been written, the process exits with code 1
    /// (<see cref="TestServerSetup"/>'s outgoing filter). Exiting on a timer instead raced the answer on a busy machine:
    /// a fresh process could still be compiling its first response when the timer fired.
    /// </summary>
    public RequestId? CrashAfterAnswerTo { get; set; }
}
