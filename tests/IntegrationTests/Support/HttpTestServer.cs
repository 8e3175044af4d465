using System.Diagnostics;

namespace OneMcp.IntegrationTests.Support;

/// <summary>The in-repo test server running over HTTP in its own process.</summary>
internal sealed class HttpTestServer : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private Process _process;

    private HttpTestServer(Process process, Uri baseUrl, string name, string[] extraArgs)
    {
        _process = process;
        BaseUrl = baseUrl;
        Name = name;
        _extraArgs = extraArgs;
    }

    public Uri BaseUrl { get; }

    public string Name { get; }

    public string McpUrl => new Uri(BaseUrl, "/mcp").ToString();

    public string SseUrl => new Uri(BaseUrl, "/sse").ToString();

    /// <param name="name">The server's --name.</param>
    /// <param name="port">0 for any free port.</param>
    /// <param name="extraArgs">More command line arguments (for instance <c>--require-oauth</c>), kept for <see cref="RestartAsync"/>.</param>
    public static async Task<HttpTestServer> StartAsync(string name, int port = 0, IEnumerable<string>? extraArgs = null)
    {
        string[] args = [.. extraArgs ?? []];
        var (process, url) = await LaunchAsync(name, port, args);
        return new HttpTestServer(process, url, name, args);
    }

    /// <summary>Kills the server and starts a new one on the same port: every session it had is gone.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        (_process, _) = await LaunchAsync(Name, BaseUrl.Port, _extraArgs);
    }

    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task<(Process Process, Uri Url)> LaunchAsync(string name, int port, string[] extraArgs)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { TestPaths.TestServerDll, "--transport", "http", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--name", name },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the test server");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"test server '{name}' exited with {process.ExitCode} before listening");
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                return (process, new Uri(line["LISTENING ".Length..]));
            }
        }
    }
}
