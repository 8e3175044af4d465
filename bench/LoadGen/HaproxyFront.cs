using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OneMcp.LoadGen;

/// <summary>
/// HAProxy in the foreground from the repository's <c>deploy/haproxy.cfg</c> (round-robin, no stickiness) in front of
/// two gateway replicas; the file's third server points at a port nobody listens on, so its health check keeps it
/// out. Ready once its statistics page shows both replicas up; killed by its process id on dispose.
/// </summary>
internal sealed class HaproxyFront : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;

    private HaproxyFront(Process process, Uri mcpUrl)
    {
        _process = process;
        McpUrl = mcpUrl;
    }

    public Uri McpUrl { get; }

    public int Id => _process.Id;

    /// <summary>ONEMCP_HAPROXY, else /usr/sbin/haproxy, else haproxy on PATH.</summary>
    public static string Binary()
    {
        if (Environment.GetEnvironmentVariable("ONEMCP_HAPROXY") is { Length: > 0 } configured)
        {
            return configured;
        }

        return File.Exists("/usr/sbin/haproxy")
            ? "/usr/sbin/haproxy"
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, "haproxy")).FirstOrDefault(File.Exists)
              ?? throw new InvalidOperationException("HAProxy is missing: install it (apt-get install haproxy) or set ONEMCP_HAPROXY.");
    }

    public static async Task<HaproxyFront> StartAsync(Uri replica1, Uri replica2, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var statsPort = FreePort();
        var start = new ProcessStartInfo(Binary())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-db", "-f", Path.Combine(Paths.RepositoryRoot, "deploy", "haproxy.cfg") })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ONEMCP_LISTEN"] = $"127.0.0.1:{port}";
        start.Environment["ONEMCP_HAPROXY_STATS"] = $"127.0.0.1:{statsPort}";
        start.Environment["ONEMCP_HEALTH_HOST"] = "127.0.0.1";
        start.Environment["ONEMCP_REPLICA_1"] = replica1.Authority;
        start.Environment["ONEMCP_REPLICA_2"] = replica2.Authority;
        start.Environment["ONEMCP_REPLICA_3"] = $"127.0.0.1:{FreePort()}";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start haproxy");
        // One log line per request goes to stdout: drained, not kept.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var front = new HaproxyFront(process, new Uri($"http://127.0.0.1:{port}/mcp"));
        try
        {
            using var stats = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statsPort}"), Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + StartTimeout;
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"haproxy exited with {process.ExitCode}");
                }

                if (await BothUpAsync(stats, cancellationToken))
                {
                    return front;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("HAProxy did not see both replicas ready within 30 s");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch
        {
            await front.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static async Task<bool> BothUpAsync(HttpClient stats, CancellationToken cancellationToken)
    {
        string csv;
        try
        {
            csv = await stats.GetStringAsync(";csv", cancellationToken);
        }
        catch (HttpRequestException)
        {
            return false;
        }

        var up = csv.Split('\n').Select(l => l.Split(','))
            .Count(f => f.Length > 17 && f[0] == "replicas" && f[1] is "replica1" or "replica2" && f[17] == "UP");
        return up == 2;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
