using System.Collections.Concurrent;
using OneMcp.Application.Replication;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>The changes published, in order.</summary>
internal sealed class RecordingChangeFeed : IChangeFeed
{
    private readonly ConcurrentQueue<GatewayChange> _published = new();

    public IReadOnlyList<GatewayChange> Published => [.. _published];

    public Task PublishAsync(GatewayChange change, CancellationToken cancellationToken)
    {
        _published.Enqueue(change);
        return Task.CompletedTask;
    }
}
