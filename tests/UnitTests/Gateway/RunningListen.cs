using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>
/// A <c>subscriptions/listen</c> stream a test opened: disposing it is the client closing the stream, and waits
/// until the gateway has let go of it.
/// </summary>
internal sealed class RunningListen(
    GatewaySession session, StreamPeer peer, Task<EmptyResult> running, CancellationTokenSource closed, CancellationTokenSource stopping) : IAsyncDisposable
{
    public GatewaySession Session => session;

    public StreamPeer Peer => peer;

    public Task<EmptyResult> Running => running;

    /// <summary>The gateway's shutdown, as the stream sees it.</summary>
    public CancellationTokenSource Stopping => stopping;

    public async ValueTask DisposeAsync()
    {
        await closed.CancelAsync();
        try
        {
            await running.WaitAsync(EngineFixture.Timeout);
        }
        catch (OperationCanceledException)
        {
            // The client closed the stream: the listen ends cancelled, as a request whose client went away does.
        }

        closed.Dispose();
        stopping.Dispose();
    }
}
