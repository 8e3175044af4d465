using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>
/// The client end of a long-lived stream (a <c>subscriptions/listen</c> response): a test awaits each notification
/// as it is sent, in order. It takes no backend-to-client requests.
/// </summary>
public sealed class StreamPeer : IClientPeer
{
    private readonly Channel<RecordedNotification> _sent = Channel.CreateUnbounded<RecordedNotification>();

    public bool SupportsSampling => false;

    public bool SupportsElicitation => false;

    public bool SupportsRoots => false;

    /// <summary>The next notification sent on the stream; fails the test when none comes in time.</summary>
    public async Task<RecordedNotification> NextAsync() =>
        await _sent.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    public Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _sent.Writer.TryWrite(new RecordedNotification(method, parameters?.ToJsonString()));
        return Task.CompletedTask;
    }

    public ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A stream takes no requests.");

    public ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A stream takes no requests.");

    public ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A stream takes no requests.");
}
