using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// tests/NodeClients/listen.mjs: the official TypeScript SDK v2 client, pinned to 2026-07-28, holding a
/// <c>subscriptions/listen</c> open. Each event it prints (acknowledged, notification, closed) is handed to the test
/// as it comes; disposing it closes the subscription (the script ends when its input does).
/// </summary>
internal sealed class NodeListener : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _reading;
    private readonly Task<string> _stderr;

    private NodeListener(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
        _reading = ReadAsync();
    }

    public static NodeListener Start(Uri mcpUrl, string filterJson)
    {
        var directory = Path.Combine(TestPaths.RepositoryRoot, "tests", "NodeClients");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@modelcontextprotocol", "client")))
        {
            throw new InvalidOperationException($"The Node test clients are not installed: run 'npm ci' in {directory} (scripts/test.sh does).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("listen.mjs");
        start.ArgumentList.Add(mcpUrl.ToString());
        start.ArgumentList.Add(filterJson);
        return new NodeListener(Process.Start(start) ?? throw new InvalidOperationException("node did not start."));
    }

    /// <summary>The next event the script printed whose <c>event</c> is <paramref name="kind"/> (earlier ones are skipped).</summary>
    public async Task<JsonElement> NextAsync(string kind)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (true)
            {
                var next = await _events.Reader.ReadAsync(timeout.Token);
                if (next.GetProperty("event").GetString() == kind)
                {
                    return next;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new InvalidOperationException($"listen.mjs printed no '{kind}' event. stderr: {(_stderr.IsCompleted ? await _stderr : "(still running)")}", e);
        }
    }

    /// <summary>Closes the subscription from the client side and returns the script's last event.</summary>
    public async Task<JsonElement> CloseAsync()
    {
        _process.StandardInput.Close();
        var closed = await NextAsync("closed");
        using var timeout = new CancellationTokenSource(Wait);
        await _process.WaitForExitAsync(timeout.Token);
        _process.ExitCode.ShouldBe(0, await _stderr);
        return closed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _reading;
        _process.Dispose();
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith('{'))
            {
                _events.Writer.TryWrite(JsonSerializer.Deserialize<JsonElement>(line));
            }
        }

        _events.Writer.TryComplete();
    }
}
