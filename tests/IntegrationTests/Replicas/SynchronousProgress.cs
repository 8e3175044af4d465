using ModelContextProtocol;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>Reports progress on the thread that receives it (<see cref="Progress{T}"/> would post it elsewhere, later).</summary>
internal sealed class SynchronousProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
{
    public void Report(ProgressNotificationValue value) => report(value);
}
