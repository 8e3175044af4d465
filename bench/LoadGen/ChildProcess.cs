using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OneMcp.LoadGen;

/// <summary>
/// A process LoadGen starts (the test server or the gateway): its output is drained, the line that says
/// where it listens is awaited, and it is killed with everything it started on dispose.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Regex _listeningLine;
    private readonly string? _tempDirectory;
    private readonly List<string> _stderrTail = [];

    private ChildProcess(Process process, Regex listeningLine, string? tempDirectory)
    {
        _process = process;
        _listeningLine = listeningLine;
        _tempDirectory = tempDirectory;
    }

    public int Id => _process.Id;

    public Uri McpUrl => _listening.Task.Result;

    /// <summary>Starts the in-repo test server over HTTP on a free loopback port.</summary>
    /// <param name="name">The server's name.</param>
    /// <param name="extraArguments">More test server flags (e.g. --session-mode hybrid).</param>
    public static Task<ChildProcess> StartHttpTestServerAsync(string name, string[]? extraArguments = null) =>
        StartAsync(["dotnet", Paths.TestServerDll, "--transport", "http", "--port", "0", "--name", name, .. extraArguments ?? []], TestServerLine(), null, null);

    /// <summary>Starts the null proxy (bench/NullProxy) on a free loopback port in front of <paramref name="upstream"/>.</summary>
    public static Task<ChildProcess> StartNullProxyAsync(Uri upstream) =>
        StartAsync(["dotnet", Paths.NullProxyDll, upstream.ToString()], NullProxyLine(), null, null);

    /// <summary>Starts the built gateway on a free port with the given mcp.json content, in its own temp folder.</summary>
    /// <param name="mcpJson">The mcp.json content.</param>
    /// <param name="extraArguments">More serve flags (e.g. --enable-auth).</param>
    /// <param name="extraEnvironment">More environment variables (e.g. the first admin).</param>
    /// <param name="port">The port to listen on (a replica must know its address before it starts); 0 for any free one.</param>
    /// <param name="reuse">A folder of an earlier start to start in again (a restart on its database), which the caller
    /// deletes; null: a fresh temp folder, deleted with the process.</param>
    /// <param name="gatewayDll">Another gateway build to run than <see cref="Paths.GatewayDll"/> (null: that one).</param>
    public static Task<ChildProcess> StartGatewayAsync(string mcpJson, string[]? extraArguments = null, Dictionary<string, string>? extraEnvironment = null, int port = 0, string? reuse = null, string? gatewayDll = null)
    {
        var directory = reuse ?? NewGatewayFolder();
        var config = Path.Combine(directory, "mcp.json");
        File.WriteAllText(config, mcpJson);
        var environment = new Dictionary<string, string>(extraEnvironment ?? []) { ["XDG_DATA_HOME"] = Path.Combine(directory, "data") };
        foreach (var (key, value) in EnvironmentFrom("ONEMCP_BENCH_GATEWAY_ENV"))
        {
            environment.TryAdd(key, value);
        }

        return StartAsync(
            ["dotnet", gatewayDll ?? Paths.GatewayDll, "serve", "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture), "--host", "127.0.0.1", "--log-level", "warn", .. extraArguments ?? []],
            GatewayLine(),
            reuse is null ? directory : null,
            environment);
    }

    /// <summary>
    /// Runtime settings for a gateway from a variable of this process: space-separated NAME=VALUE pairs, e.g.
    /// ONEMCP_BENCH_GATEWAY_ENV="DOTNET_GCgen0size=0x2000000" (empty when the variable is unset).
    /// </summary>
    public static Dictionary<string, string> EnvironmentFrom(string variable)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (Environment.GetEnvironmentVariable(variable) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"{variable}: '{pair}' is not NAME=VALUE");
            }

            pairs[pair[..equals]] = pair[(equals + 1)..];
        }

        return pairs;
    }

    /// <summary>A fresh temp folder for a gateway's mcp.json and data (see <see cref="StartGatewayAsync"/>'s reuse).</summary>
    public static string NewGatewayFolder()
    {
        var directory = Path.Combine(Path.GetTempPath(), "onemcp-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>User and system CPU seconds the process has used so far (/proc/&lt;pid&gt;/stat), or null when it cannot be read.</summary>
    public double? CpuSeconds()
    {
        try
        {
            // After the command name in parentheses: state is field 3, utime 14 and stime 15, in clock ticks (100 per second on Linux).
            var stat = File.ReadAllText($"/proc/{Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Resident set size of the process in MB (VmRSS), or null when it cannot be read.</summary>
    public double? RssMb()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return Math.Round(kb / 1024.0, 1);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(cancel.Token);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _process.Dispose();
            if (_tempDirectory is not null)
            {
                try
                {
                    Directory.Delete(_tempDirectory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static async Task<ChildProcess> StartAsync(string[] command, Regex listeningLine, string? tempDirectory, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ONEMCP_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment ?? [])
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, listeningLine, tempDirectory);
        process.OutputDataReceived += (_, e) => child.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnStderr(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync();
            var finished = await Task.WhenAny(child._listening.Task, exited).WaitAsync(StartTimeout);
            if (finished != child._listening.Task)
            {
                throw new InvalidOperationException($"{Path.GetFileName(command[1])} exited with {process.ExitCode} before listening: {child.StderrTail()}");
            }

            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    private string StderrTail()
    {
        lock (_stderrTail)
        {
            return string.Join('\n', _stderrTail);
        }
    }

    private void OnStdout(string? line)
    {
        if (line is not null && _listeningLine.Match(line) is { Success: true } match)
        {
            var url = match.Groups["url"].Value;
            _listening.TrySetResult(new Uri(url.EndsWith("/mcp", StringComparison.Ordinal) ? url : url.TrimEnd('/') + "/mcp"));
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderrTail)
        {
            _stderrTail.Add(line);
            if (_stderrTail.Count > 20)
            {
                _stderrTail.RemoveAt(0);
            }
        }
    }

    [GeneratedRegex(@"^LISTENING (?<url>https?://\S+)$", RegexOptions.CultureInvariant)]
    private static partial Regex TestServerLine();

    [GeneratedRegex(@"^OneMcp null proxy listening on (?<url>https?://\S+/mcp)$", RegexOptions.CultureInvariant)]
    private static partial Regex NullProxyLine();

    [GeneratedRegex(@"^OneMcp listening on (?<url>https?://\S+/mcp)$", RegexOptions.CultureInvariant)]
    private static partial Regex GatewayLine();
}

/// <summary>Where the built gateway and test server are: next to this build, in the same configuration.</summary>
internal static class Paths
{
    public static readonly string RepositoryRoot = FindRoot();

    // bin/<Configuration>/net10.0 of this assembly names the configuration it was built in.
    private static readonly string Configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string TestServerDll => Existing(Path.Combine(RepositoryRoot, "tests", "TestServer", "bin", Configuration, "net10.0", "OneMcp.TestServer.dll"));

    public static string NullProxyDll => Existing(Path.Combine(RepositoryRoot, "bench", "NullProxy", "bin", Configuration, "net10.0", "OneMcp.NullProxy.dll"));

    public static string StdioEchoScript => Existing(Path.Combine(RepositoryRoot, "bench", "StdioEcho", "server.sh"));

    /// <summary>The gateway the rows run: ONEMCP_BENCH_GATEWAY (another build, e.g. a published onemcp.dll), else the build next to this one.</summary>
    public static string GatewayDll => Existing(Environment.GetEnvironmentVariable("ONEMCP_BENCH_GATEWAY") is { Length: > 0 } published
        ? Path.GetFullPath(published)
        : Path.Combine(RepositoryRoot, "src", "Api", "bin", Configuration, "net10.0", "onemcp.dll"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OneMcp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OneMcp.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first.");
}
