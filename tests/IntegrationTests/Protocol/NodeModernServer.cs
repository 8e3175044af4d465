using System.Diagnostics;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// tests/NodeClients/modern-server.mjs in its own Node process: a 2026-07-28 server built with the official TypeScript
/// SDK v2 (<c>@modelcontextprotocol/server</c>), serving streamable HTTP without sessions on a free loopback port.
/// </summary>
internal sealed class NodeModernServer : IAsyncDisposable
{
    private static readonly string Directory = Path.Combine(TestPaths.RepositoryRoot, "tests", "NodeClients");
    private Process _process;

    private NodeModernServer(Process process, string mcpUrl)
    {
        _process = process;
        McpUrl = mcpUrl;
    }

    public string McpUrl { get; }

    public static async Task<NodeModernServer> StartAsync()
    {
        var (process, url) = await LaunchAsync(0);
        return new NodeModernServer(process, url);
    }

    /// <summary>Kills the server and starts a new one on the same port: its open streams end, its added tools are gone.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        (_process, _) = await LaunchAsync(new Uri(McpUrl).Port);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task<(Process Process, string McpUrl)> LaunchAsync(int port)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "server")))
        {
            throw new InvalidOperationException($"The Node test servers are not installed: run 'npm ci' in {Directory} (scripts/test.sh does).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            ArgumentList = { "modern-server.mjs", port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"modern-server.mjs exited with {process.ExitCode} before listening");
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                return (process, line["LISTENING ".Length..].Trim());
            }
        }
    }

}
