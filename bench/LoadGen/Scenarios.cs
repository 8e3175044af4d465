using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneMcp.LoadGen;

/// <summary>
/// The scenarios that measure the gateway with many backends rather than the cost of one call:
/// cold start with K stdio backends, and tools/list through one session with K backends.
/// </summary>
internal static class Scenarios
{
    private static readonly TimeSpan CompleteTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Starts the gateway with K stdio test servers, <see cref="Options.Repeat"/> times: the time from launching
    /// the gateway process to the end of the first tools/list of a fresh session that holds every backend's tools.
    /// With K = 0 (the gateway's own start) every run also starts it a second time on the database of the first
    /// (a restart: no schema to create), and reports both.
    /// </summary>
    public static async Task<int> ColdStartAsync(Options options, CancellationToken cancel)
    {
        var k = options.Backends;
        var servers = new JsonObject();
        for (var i = 0; i < k; i++)
        {
            var name = Name(i);
            servers[name] = options.StdioServer == "bash"
                ? new JsonObject { ["command"] = "bash", ["args"] = new JsonArray(Paths.StdioEchoScript, name) }
                : new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(Paths.TestServerDll, "--name", name) };
        }

        var config = new JsonObject { ["mcpServers"] = servers }.ToJsonString();
        var runs = new JsonArray();
        var completeMs = new List<double>();
        var listeningMs = new List<double>();
        var restartListeningMs = new List<double>();
        var restartCompleteMs = new List<double>();
        double? rss = null;
        for (var run = 1; run <= options.Repeat; run++)
        {
            var folder = ChildProcess.NewGatewayFolder();
            try
            {
                var first = await StartOnceAsync(config, folder, k, cancel);
                rss = first.RssMb;
                Log($"cold start {run}/{options.Repeat}, {k} stdio backends: listening after {first.ListeningMs:0} ms, complete tools/list ({first.Tools} tools, {first.Attempts} attempt(s)) after {first.CompleteMs:0} ms");
                listeningMs.Add(first.ListeningMs);
                completeMs.Add(first.CompleteMs);
                var row = new JsonObject { ["listeningMs"] = Math.Round(first.ListeningMs, 1), ["completeMs"] = Math.Round(first.CompleteMs, 1), ["tools"] = first.Tools, ["attempts"] = first.Attempts };
                if (k == 0)
                {
                    var again = await StartOnceAsync(config, folder, k, cancel);
                    Log($"restart {run}/{options.Repeat} on the same database: listening after {again.ListeningMs:0} ms, first tools/list after {again.CompleteMs:0} ms");
                    restartListeningMs.Add(again.ListeningMs);
                    restartCompleteMs.Add(again.CompleteMs);
                    row["restartListeningMs"] = Math.Round(again.ListeningMs, 1);
                    row["restartCompleteMs"] = Math.Round(again.CompleteMs, 1);
                }

                runs.Add(row);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        var output = new JsonObject
        {
            ["mode"] = "cold-start",
            ["backends"] = k,
            ["stdioServer"] = options.StdioServer,
            ["runs"] = runs,
            ["listeningMs"] = Math.Round(Median(listeningMs), 1),
            ["completeMs"] = Math.Round(Median(completeMs), 1),
            ["minCompleteMs"] = Math.Round(completeMs.Min(), 1),
            ["maxCompleteMs"] = Math.Round(completeMs.Max(), 1),
            ["rssMb"] = rss,
            ["errors"] = 0,
        };
        if (k == 0)
        {
            output["restartListeningMs"] = Math.Round(Median(restartListeningMs), 1);
            output["restartCompleteMs"] = Math.Round(Median(restartCompleteMs), 1);
            output["maxListeningMs"] = Math.Round(listeningMs.Concat(restartListeningMs).Max(), 1);
        }

        await WriteAsync(options, output, Row(options.Label ?? $"cold start, {k} stdio backends ({options.StdioServer})", Median(listeningMs), Median(completeMs), completeMs.Min(), completeMs.Max(), rss));
        return 0;
    }

    /// <summary>One start of the gateway in <paramref name="folder"/>: until it listens, and until its tools/list holds all K backends.</summary>
    private static async Task<StartTimes> StartOnceAsync(string config, string folder, int k, CancellationToken cancel)
    {
        var started = Stopwatch.GetTimestamp();
        await using var gateway = await ChildProcess.StartGatewayAsync(config, reuse: folder);
        var listening = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        using var http = LoadRunner.CreateClient(1);
        var runner = new LoadRunner(http, gateway.McpUrl, "unused");
        await runner.OpenSessionsAsync(1, cancel);
        var (tools, attempts) = await ListUntilCompleteAsync(runner, k, cancel);
        var complete = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var rss = gateway.RssMb();
        await runner.CloseSessionsAsync();
        return new StartTimes(listening, complete, tools, attempts, rss);
    }

    private sealed record StartTimes(double ListeningMs, double CompleteMs, int Tools, int Attempts, double? RssMb);

    /// <summary>
    /// One HTTP test server behind K gateway backends (each its own MCP session on it): the latency of
    /// tools/list through one session, which merges K backends' cached tools.
    /// </summary>
    public static async Task<int> ListToolsAsync(Options options, CancellationToken cancel)
    {
        var k = options.Backends;
        await using var server = await ChildProcess.StartHttpTestServerAsync("bench");
        var servers = new JsonObject();
        for (var i = 0; i < k; i++)
        {
            servers[Name(i)] = new JsonObject { ["type"] = "http", ["url"] = server.McpUrl.ToString() };
        }

        var started = Stopwatch.GetTimestamp();
        await using var gateway = await ChildProcess.StartGatewayAsync(new JsonObject { ["mcpServers"] = servers }.ToJsonString());
        Log($"gateway (pid {gateway.Id}) listening with {k} HTTP backends after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        using var http = LoadRunner.CreateClient(1);
        var runner = new LoadRunner(http, gateway.McpUrl, "unused");
        await runner.OpenSessionsAsync(1, cancel);
        var (tools, _) = await ListUntilCompleteAsync(runner, k, cancel);
        var rssIdle = gateway.RssMb();

        var warmup = options.ListWarmup;
        var latencies = new double[options.Requests];
        long errors = 0;
        for (var i = 0; i < warmup + options.Requests; i++)
        {
            var before = Stopwatch.GetTimestamp();
            var status = await runner.ListToolsAsync(i + 1, parse: false, cancel);
            var elapsed = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
            if (status < 0)
            {
                errors++;
            }

            if (i >= warmup)
            {
                latencies[i - warmup] = elapsed;
            }
        }

        var rssLoad = gateway.RssMb();
        await runner.CloseSessionsAsync();
        Array.Sort(latencies);
        var output = new JsonObject
        {
            ["mode"] = "list-tools",
            ["backends"] = k,
            ["tools"] = tools,
            ["requests"] = options.Requests,
            ["warmupRequests"] = warmup,
            ["errors"] = errors,
            ["p50Ms"] = Percentile(latencies, 0.50),
            ["p90Ms"] = Percentile(latencies, 0.90),
            ["p99Ms"] = Percentile(latencies, 0.99),
            ["maxMs"] = Math.Round(latencies[^1], 3),
            ["rssIdleMb"] = rssIdle,
            ["rssLoadMb"] = rssLoad,
        };
        Log($"tools/list with {k} backends ({tools} tools): p50 {Percentile(latencies, 0.50)} ms, p99 {Percentile(latencies, 0.99)} ms, {errors} errors");
        await WriteAsync(options, output, Row(options.Label ?? $"tools/list, {k} backends", tools, Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99), Math.Round(latencies[^1], 3), errors));
        return errors == 0 ? 0 : 1;
    }

    /// <summary>Lists tools until every one of the <paramref name="backends"/> servers is in the answer.</summary>
    private static async Task<(int Tools, int Attempts)> ListUntilCompleteAsync(LoadRunner runner, int backends, CancellationToken cancel)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(CompleteTimeout.TotalSeconds * Stopwatch.Frequency);
        var seen = 0;
        for (var attempt = 1; Stopwatch.GetTimestamp() < deadline; attempt++)
        {
            var names = await runner.ListToolNamesAsync(attempt, cancel);
            if (names is not null)
            {
                seen = names.Select(n => n.Split("_1mcp_")[0]).Distinct(StringComparer.Ordinal).Count();
                if (seen >= backends)
                {
                    return (names.Count, attempt);
                }
            }

            await Task.Delay(20, cancel);
        }

        throw new TimeoutException($"tools/list never held all {backends} backends (last: {seen})");
    }

    private static string Name(int i) => "s" + i.ToString("000", CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);

    private static async Task WriteAsync(Options options, JsonObject output, string markdown)
    {
        var json = output.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        Console.WriteLine(json);
        Console.WriteLine(markdown);
        if (options.JsonPath is not null)
        {
            await File.WriteAllTextAsync(options.JsonPath, json + "\n");
        }
    }

    private static string Row(params object?[] cells) =>
        "| " + string.Join(" | ", cells.Select(c => c switch
        {
            null => "-",
            double d => d.ToString("0.###", CultureInfo.InvariantCulture),
            _ => Convert.ToString(c, CultureInfo.InvariantCulture),
        })) + " |";

    private static void Log(string message) => Console.Error.WriteLine($"[loadgen] {message}");
}
