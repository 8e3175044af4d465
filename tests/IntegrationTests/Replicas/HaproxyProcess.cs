using System.Diagnostics;
using System.Globalization;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// HAProxy run in the foreground (<c>-db</c>) from the repository's own <c>deploy/haproxy.cfg</c>, with the
/// environment variables that file reads pointing at the test's replicas; killed by its process id on dispose.
/// Its statistics page (CSV) tells how many responses each server gave and whether it is up.
/// </summary>
internal sealed class HaproxyProcess : IAsyncDisposable
{
    public const string EnvironmentVariable = "ONEMCP_HAPROXY";

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _output = [];
    private readonly HttpClient _stats;

    private HaproxyProcess(Process process, Uri frontend, Uri stats)
    {
        _process = process;
        Frontend = frontend;
        _stats = new HttpClient { BaseAddress = stats, Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The address clients use (<c>http://127.0.0.1:&lt;port&gt;</c>).</summary>
    public Uri Frontend { get; }

    public static string ConfigPath => Path.Combine(TestPaths.RepositoryRoot, "deploy", "haproxy.cfg");

    /// <summary>ONEMCP_HAPROXY, else /usr/sbin/haproxy (Debian's package), else haproxy on PATH.</summary>
    public static string FindBinary()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{EnvironmentVariable}={configured} does not exist.");
        }

        const string debian = "/usr/sbin/haproxy";
        if (File.Exists(debian))
        {
            return debian;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "haproxy");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "These tests need HAProxy and found none: install it (apt-get install haproxy; scripts/test.sh does) or set " +
            $"{EnvironmentVariable} to a haproxy executable.");
    }

    /// <summary>Starts HAProxy in front of <paramref name="replicas"/> (host:port each, three of them) on a free port.</summary>
    public static async Task<HaproxyProcess> StartAsync(int frontendPort, IReadOnlyList<string> replicas)
    {
        replicas.Count.ShouldBe(3, "deploy/haproxy.cfg names three replicas");
        var statsPort = GatewayProcess.FreePort();
        var start = new ProcessStartInfo(FindBinary())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-db", "-f", ConfigPath })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ONEMCP_LISTEN"] = $"127.0.0.1:{frontendPort}";
        start.Environment["ONEMCP_HAPROXY_STATS"] = $"127.0.0.1:{statsPort}";
        start.Environment["ONEMCP_HEALTH_HOST"] = "127.0.0.1";
        for (var i = 0; i < replicas.Count; i++)
        {
            start.Environment[$"ONEMCP_REPLICA_{i + 1}"] = replicas[i];
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start haproxy");
        var haproxy = new HaproxyProcess(process, new Uri($"http://127.0.0.1:{frontendPort}"), new Uri($"http://127.0.0.1:{statsPort}"));
        process.OutputDataReceived += (_, e) => haproxy.Record(e.Data);
        process.ErrorDataReceived += (_, e) => haproxy.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        try
        {
            await Eventually.ValueAsync(
                async () => process.HasExited ? throw new InvalidOperationException("haproxy exited:\n" + haproxy.Describe()) : await haproxy.ServersAsync(),
                servers => servers.Count(s => s.Name.StartsWith("replica", StringComparison.Ordinal) && s.Status == "UP") == 3,
                "HAProxy to see all three replicas ready");
            return haproxy;
        }
        catch
        {
            await haproxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>The checked servers (replica1..3) of the backend, from the statistics CSV.</summary>
    public async Task<IReadOnlyList<HaproxyServer>> ServersAsync()
    {
        var csv = await _stats.GetStringAsync(";csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        int Column(string name) => Array.IndexOf(header, name) is >= 0 and var i ? i : throw new InvalidOperationException($"no {name} column in HAProxy's CSV");
        var (proxy, server, status, ok) = (Column("pxname"), Column("svname"), Column("status"), Column("hrsp_2xx"));
        return [.. lines.Skip(1)
            .Select(l => l.Split(','))
            .Where(f => f[proxy] == "replicas" && f[server].StartsWith("replica", StringComparison.Ordinal) && !f[server].EndsWith("-fallback", StringComparison.Ordinal))
            .Select(f => new HaproxyServer(f[server], f[status], long.Parse(f[ok].Length == 0 ? "0" : f[ok], CultureInfo.InvariantCulture)))];
    }

    /// <summary>2xx responses per server (replica1..3), by name.</summary>
    public async Task<IReadOnlyDictionary<string, long>> OkResponsesAsync() =>
        (await ServersAsync()).ToDictionary(s => s.Name, s => s.OkResponses, StringComparer.Ordinal);

    public string Describe()
    {
        lock (_gate)
        {
            return string.Join('\n', _output.TakeLast(50));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stats.Dispose();
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
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Add(line);
            if (_output.Count > 2000)
            {
                _output.RemoveRange(0, 1000);
            }
        }
    }
}
