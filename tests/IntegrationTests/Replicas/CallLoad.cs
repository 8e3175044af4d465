using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Load in the background: a few workers loop 2026-07-28 <c>alpha_1mcp_echo</c> calls at one address until stopped,
/// counting the calls that succeeded and recording every one that did not. With <c>retrying</c> each call is retried
/// on a client's usual terms (<see cref="ReplicaClient.CallToolRetryingAsync"/>) before it counts as failed.
/// </summary>
internal sealed class CallLoad : IDisposable
{
    private const int Workers = 4;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly Task _workers;
    private int _calls;

    public CallLoad(ReplicaClient client, Uri mcpUrl, bool retrying)
    {
        _workers = Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => RunAsync(client, mcpUrl, retrying, w))));
    }

    /// <summary>Calls that succeeded so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyList<string> Failures => [.. _failures];

    public Task AtLeastAsync(int calls) =>
        Eventually.TrueAsync(() => Calls >= calls || _workers.IsCompleted, $"{calls} calls under load (failures: {string.Join("; ", _failures.Take(5))})");

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _workers;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task RunAsync(ReplicaClient client, Uri mcpUrl, bool retrying, int worker)
    {
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var message = $"worker {worker} call {i}";
            var arguments = new JsonObject { ["message"] = message };
            try
            {
                var answer = retrying ? await client.CallToolRetryingAsync(mcpUrl, "alpha_1mcp_echo", arguments) : await client.CallToolAsync(mcpUrl, "alpha_1mcp_echo", arguments);
                if (answer.IsToolSuccess && answer.FirstText == message)
                {
                    Interlocked.Increment(ref _calls);
                }
                else
                {
                    _failures.Enqueue($"{message}: {(int)answer.Status} {answer.Text}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or SocketException or TaskCanceledException)
            {
                _failures.Enqueue($"{message}: {e.GetType().Name} {e.Message}");
            }
        }
    }
}
