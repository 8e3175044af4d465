using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// The real built gateway (<c>dotnet onemcp.dll ...</c>) as a child process: its stdout and stderr are
/// collected line by line, the <c>OneMcp listening on &lt;url&gt;/mcp</c> line tells where it listens, and
/// whatever it started is killed on dispose. Inherited <c>ONEMCP_*</c> variables are removed, so only the
/// environment a test gives reaches it.
/// </summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The <c>ONEMCP_DATA_PROTECTION_KEY</c> given to every gateway started on PostgreSQL (base64 of 32 bytes).</summary>
    public const string TestDataProtectionKey = "b25lbWNwLXRlc3RzLWRhdGEtcHJvdGVjdGlvbi1rZXk=";

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly string _dataHome;

    private GatewayProcess(Process process, string dataHome)
    {
        _process = process;
        _dataHome = dataHome;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The URL of the MCP endpoint, once <see cref="WaitForListeningAsync"/> has returned.</summary>
    public Uri McpUrl => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("The gateway is not listening yet.");

    /// <summary>The gateway's base URL (scheme, host and port), once it listens.</summary>
    public Uri BaseUrl => new(McpUrl.GetLeftPart(UriPartial.Authority));

    public IReadOnlyList<string> StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    public IReadOnlyList<string> StandardError
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Starts <c>dotnet onemcp.dll</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static GatewayProcess Start(IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TestPaths.GatewayDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ONEMCP_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        // The default data directory derives from XDG_DATA_HOME: a test never touches the user's real store.
        var dataHome = Path.Combine(Path.GetTempPath(), "onemcp-tests", "data-" + Guid.NewGuid().ToString("N"));
        start.Environment["XDG_DATA_HOME"] = dataHome;

        // On PostgreSQL the gateway needs the key ring's encryption key; one key for every test, so replicas share it.
        // A test's own environment may still replace it (or blank it out to see the start refused).
        if (args.Contains("--database") || environment?.ContainsKey("ONEMCP_DATABASE") == true)
        {
            start.Environment["ONEMCP_DATA_PROTECTION_KEY"] = TestDataProtectionKey;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var gateway = new GatewayProcess(process, dataHome);
        process.OutputDataReceived += (_, e) => gateway.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.OnStderr(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start the gateway");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>
    /// Runs the gateway to its end (for invocations that are expected to exit by themselves); <paramref name="standardInput"/>,
    /// when given, is written to its stdin, which is then closed.
    /// </summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunAsync(
        IEnumerable<string> args,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null,
        string? standardInput = null)
    {
        await using var gateway = Start(args, workingDirectory, environment);
        if (standardInput is not null)
        {
            await gateway._process.StandardInput.WriteAsync(standardInput);
            gateway._process.StandardInput.Close();
        }

        var exitCode = await gateway.WaitForExitAsync();
        return (exitCode, gateway.StandardOutput, gateway.StandardError);
    }

    /// <summary>Waits for the listening line and returns the MCP endpoint's URL.</summary>
    public async Task<Uri> WaitForListeningAsync(TimeSpan? timeout = null)
    {
        var exited = _process.WaitForExitAsync();
        var listening = _listening.Task;
        var finished = await Task.WhenAny(listening, exited).WaitAsync(timeout ?? DefaultTimeout);
        if (finished != listening)
        {
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
            throw new InvalidOperationException($"The gateway exited with {_process.ExitCode} before listening.\n{Describe()}");
        }

        return await listening;
    }

    /// <summary>Waits until at least <paramref name="count"/> stdout lines match <paramref name="predicate"/>.</summary>
    public Task WaitForOutputAsync(Func<string, bool> predicate, string what, int count = 1) =>
        Eventually.TrueAsync(() => StandardOutput.Count(predicate) >= count, what);

    /// <summary>Asks the gateway to stop as a service manager would (SIGTERM).</summary>
    public Task TerminateAsync() => SignalAsync("TERM");

    /// <summary>
    /// Sends the gateway process (only it, not its backends) <paramref name="signal"/>: <c>STOP</c> freezes it with its
    /// connections open, as a host that died without closing them looks to its peers; <c>CONT</c> lets it go on.
    /// </summary>
    public async Task SignalAsync(string signal)
    {
        var kill = new ProcessStartInfo("kill") { UseShellExecute = false };
        kill.ArgumentList.Add("-" + signal);
        kill.ArgumentList.Add(Id.ToString(CultureInfo.InvariantCulture));
        using var sent = Process.Start(kill) ?? throw new InvalidOperationException("could not run kill");
        await sent.WaitForExitAsync();
        sent.ExitCode.ShouldBe(0, $"kill -{signal} failed");
    }

    /// <summary>Waits for the process to exit and its output to be read completely; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        try
        {
            using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
            await _process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The gateway (pid {Id}) did not exit in time.\n{Describe()}");
        }

        return _process.ExitCode;
    }

    public string Describe() =>
        $"stdout:\n{string.Join('\n', StandardOutput)}\nstderr:\n{string.Join('\n', StandardError)}";

    public ValueTask DisposeAsync() => ChildProcesses.StopAsync(_process, _dataHome);

    /// <summary>A TCP port that was free a moment ago (for tests that must name the port themselves): <see cref="FreePorts"/>.</summary>
    public static int FreePort() => FreePorts.Next();

    /// <summary>Command lines of every live process (zombies have none), for leak checks.</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> ProcessCommandLines()
    {
        var result = new List<(int, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var bytes = File.ReadAllBytes(Path.Combine(directory, "cmdline"));
                if (bytes.Length > 0)
                {
                    result.Add((pid, System.Text.Encoding.UTF8.GetString(bytes).Replace('\0', ' ').TrimEnd()));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return result;
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            _stdoutClosed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            _stdout.Add(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            _stderrClosed.TrySetResult();
            return;
        }

        lock (_gate)
        {
            _stderr.Add(line);
        }
    }

    [GeneratedRegex(@"^OneMcp listening on (?<url>https?://\S+/mcp)$", RegexOptions.CultureInvariant)]
    private static partial Regex ListeningLine();

    /// <summary>The XDG_DATA_HOME given to the process: its default data directory would be <c>&lt;DataHome&gt;/onemcp</c>.</summary>
    public string DataHome => _dataHome;

    /// <summary>
    /// Kills the gateway without warning (SIGKILL on Linux, as a crash or the OOM killer would), together with
    /// the backends it started, and waits until its output is read completely; returns the exit code.
    /// </summary>
    public async Task<int> KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        return await WaitForExitAsync();
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "onemcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string WriteConfig(ConfigBuilder config, string name = "mcp.json") => Write(name, config.ToJson());

    public string Write(string name, string content)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}

/// <summary>
/// A stdio test-server backend that starts only once a gate file exists: a backend that is "slow to start"
/// for exactly as long as a test wants, without depending on timing.
/// </summary>
internal static class GatedBackend
{
    public static System.Text.Json.Nodes.JsonObject StdioTestServer(string name, string gateFile, params string[] extraArgs)
    {
        var entry = ConfigBuilder.StdioTestServer(name, null, extraArgs);
        var testServer = string.Join(' ', ((System.Text.Json.Nodes.JsonArray)entry["args"]!).Select(a => $"'{a}'"));
        entry["command"] = "sh";
        entry["args"] = new System.Text.Json.Nodes.JsonArray("-c", $"while [ ! -e '{gateFile}' ]; do sleep 0.05; done; exec dotnet {testServer}");
        return entry;
    }
}
