using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneMcp.LoadGen;

if (!Options.TryParse(args, out var options, out var usageError))
{
    await Console.Error.WriteLineAsync($"{usageError}\n{Options.Usage}");
    return 2;
}

foreach (var variable in (string[])["ONEMCP_BENCH_GATEWAY_ENV", "ONEMCP_BENCH_GATEWAY_B_ENV"])
{
    try
    {
        _ = ChildProcess.EnvironmentFrom(variable);
    }
    catch (ArgumentException e)
    {
        await Console.Error.WriteLineAsync($"loadgen: {e.Message}");
        return 2;
    }
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// A terminated LoadGen (a script's kill, a CI timeout) ends the processes it started too, as Ctrl+C does: the run
// is cancelled and the finally blocks below dispose of them; without this the runtime exits at once and leaves
// them running.
using var terminated = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

if (options.Mode is "cold-start" or "list-tools")
{
    try
    {
        return options.Mode == "cold-start"
            ? await Scenarios.ColdStartAsync(options, cancel.Token)
            : await Scenarios.ListToolsAsync(options, cancel.Token);
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        return 130;
    }
    catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException or TimeoutException)
    {
        await Console.Error.WriteLineAsync($"loadgen: {e.Message}");
        return 3;
    }
}

const string ServerName = "bench";
ChildProcess? testServer = null;
ChildProcess? gateway = null;
// The compare-auth and compare-observability modes measure a second gateway (with auth; with audit and OTLP export)
// against the first (without them), instead of the gateway against the test server.
ChildProcess? authGateway = null;
OtlpCollectorStandIn? collector = null;
ChildProcess? proxy = null;
// --compare-replicas: a second replica on the same database, and HAProxy in front of both.
ChildProcess? replica2 = null;
HaproxyFront? haproxy = null;
var runners = new List<LoadRunner>();
using var http = LoadRunner.CreateClient(options.Sessions);
try
{
    var needsHttpServer = options.Mode is "direct" or "compare" or "compare-auth" or "compare-observability" or "compare-replicas" || (options.Mode == "gateway" && options.Backend == "http");
    if (needsHttpServer)
    {
        // --stateless: the direct phases send 2026-07-28 requests to the test server, which serves them only in the
        // SDK's hybrid mode; the gateway keeps its own session with it either way.
        testServer = await ChildProcess.StartHttpTestServerAsync(ServerName, options.Stateless ? ["--session-mode", "hybrid"] : null);
        Log($"test server (pid {testServer.Id}) at {testServer.McpUrl}");
    }

    if (options.Floor)
    {
        proxy = await ChildProcess.StartNullProxyAsync(testServer!.McpUrl);
        Log($"null proxy (pid {proxy.Id}) at {proxy.McpUrl}");
    }

    if (options.Mode is "gateway" or "compare" or "compare-auth" or "compare-observability" or "compare-replicas")
    {
        JsonObject backend = options.Backend == "http"
            ? new JsonObject { ["type"] = "http", ["url"] = testServer!.McpUrl.ToString() }
            : new JsonObject { ["command"] = "dotnet", ["args"] = new JsonArray(Paths.TestServerDll, "--name", ServerName) };
        var config = new JsonObject { ["mcpServers"] = new JsonObject { [ServerName] = backend } };
        if (options.Mode == "compare-replicas")
        {
            // Two replicas of one gateway: the same mcp.json, database and key, each with the address the other reaches it at.
            var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            async Task<ChildProcess> Replica(int port) => await ChildProcess.StartGatewayAsync(
                config.ToJsonString(),
                ["--database", options.Database!],
                new Dictionary<string, string> { ["ONEMCP_DATA_PROTECTION_KEY"] = key, ["ONEMCP_REPLICA_URL"] = $"http://127.0.0.1:{port}" },
                port);
            gateway = await Replica(HaproxyFront.FreePort());
            replica2 = await Replica(HaproxyFront.FreePort());
            haproxy = await HaproxyFront.StartAsync(gateway.McpUrl, replica2.McpUrl, cancel.Token);
            Log($"replicas (pids {gateway.Id}, {replica2.Id}) at {gateway.McpUrl} and {replica2.McpUrl}; HAProxy (pid {haproxy.Id}) at {haproxy.McpUrl}");
        }
        else
        {
            gateway = await ChildProcess.StartGatewayAsync(
                config.ToJsonString(), options.Mode == "compare-observability" ? ["--disable-audit"] : null);
            Log($"gateway (pid {gateway.Id}, {options.Backend} backend) at {gateway.McpUrl}");
        }
        if (options.Mode == "compare-auth")
        {
            authGateway = await ChildProcess.StartGatewayAsync(
                config.ToJsonString(),
                ["--enable-auth"],
                new Dictionary<string, string> { ["ONEMCP_ADMIN_USERNAME"] = OAuthLogin.User, ["ONEMCP_ADMIN_PASSWORD"] = OAuthLogin.Password });
            Log($"gateway with --enable-auth (pid {authGateway.Id}) at {authGateway.McpUrl}");
        }

        if (options.Mode == "compare-observability")
        {
            collector = OtlpCollectorStandIn.Start();
            var buildB = options.Observe == "none" && Environment.GetEnvironmentVariable("ONEMCP_BENCH_GATEWAY_B") is { Length: > 0 } b ? Path.GetFullPath(b) : null;
            authGateway = await ChildProcess.StartGatewayAsync(
                config.ToJsonString(),
                options.Observe is "otlp" or "none" ? ["--disable-audit"] : null,
                options.Observe == "none" ? ChildProcess.EnvironmentFrom("ONEMCP_BENCH_GATEWAY_B_ENV")
                    : options.Observe == "audit" ? null : collector.ExporterEnvironment(),
                gatewayDll: buildB);
            Log(options.Observe == "none"
                ? $"{(buildB is null && Environment.GetEnvironmentVariable("ONEMCP_BENCH_GATEWAY_B_ENV") is not { Length: > 0 } ? "a second gateway like the first (A/A: --observe none)" : $"a second gateway from {buildB ?? "the same build"} with {Environment.GetEnvironmentVariable("ONEMCP_BENCH_GATEWAY_B_ENV")} (A/B: --observe none)")} (pid {authGateway.Id}) at {authGateway.McpUrl}"
                : $"gateway with {options.Observe switch { "audit" => "the audit log", "otlp" => "OTLP export", _ => "the audit log and OTLP export" }} to {collector.Endpoint} (pid {authGateway.Id}) at {authGateway.McpUrl}");
        }
    }

    LoadRunner? gatewayRunner = null;
    LoadRunner? directRunner = null;
    if (gateway is not null)
    {
        gatewayRunner = new LoadRunner(http, gateway.McpUrl, $"{ServerName}_1mcp_{options.Tool}", stateless: options.Stateless);
        runners.Add(gatewayRunner);
    }

    if (options.Mode is "direct" or "compare")
    {
        directRunner = new LoadRunner(http, testServer!.McpUrl, options.Tool, stateless: options.Stateless);
        runners.Add(directRunner);
    }

    LoadRunner? proxyRunner = null;
    if (proxy is not null)
    {
        proxyRunner = new LoadRunner(http, proxy.McpUrl, options.Tool, stateless: options.Stateless);
        runners.Add(proxyRunner);
    }

    if (authGateway is not null)
    {
        // The "direct" side of this comparison is the same gateway without auth (or without audit and export); with
        // auth the measured one carries a token.
        var token = options.Mode == "compare-auth" ? await OAuthLogin.AccessTokenAsync(new Uri(authGateway.McpUrl, "/"), cancel.Token) : null;
        directRunner = gatewayRunner;
        gatewayRunner = new LoadRunner(http, authGateway.McpUrl, $"{ServerName}_1mcp_{options.Tool}", token, options.Stateless);
        runners.Add(gatewayRunner);
    }

    if (haproxy is not null)
    {
        // "direct" is replica 1 reached directly; "gateway" is HAProxy over both replicas.
        directRunner = gatewayRunner;
        gatewayRunner = new LoadRunner(http, haproxy.McpUrl, $"{ServerName}_1mcp_{options.Tool}", stateless: options.Stateless);
        runners.Add(gatewayRunner);
    }

    if (options.Mode == "target")
    {
        directRunner = new LoadRunner(http, options.Target!, options.Tool, stateless: options.Stateless);
        runners.Add(directRunner);
    }

    foreach (var runner in runners)
    {
        await runner.OpenSessionsAsync(options.Sessions, cancel.Token);
        await runner.WaitUntilReadyAsync(cancel.Token);
    }

    double? rssIdle = null;
    if (gateway is not null)
    {
        // Let start-up work settle before the idle sample.
        await Task.Delay(1000, cancel.Token);
        rssIdle = (authGateway ?? gateway).RssMb();
    }

    var phases = new List<PhaseResult>();
    // The process whose CPU a phase's calls cost: the one the load generator talks to.
    Func<double?>? CpuOf(string name)
    {
        if (replica2 is not null)
        {
            // Through HAProxy both replicas work (HAProxy's own CPU is not counted); directly, replica 1 alone.
            return name == "gateway" ? () => gateway!.CpuSeconds() + replica2.CpuSeconds() : name == "direct" ? gateway!.CpuSeconds : null;
        }

        var process = name switch
        {
            "gateway" => authGateway ?? gateway,
            "proxy" => proxy,
            "direct" when authGateway is not null => gateway,
            "direct" => testServer,
            _ => null,
        };
        return process is null ? null : process.CpuSeconds;
    }

    async Task Phase(string name, LoadRunner runner, bool isGateway)
    {
        Log($"phase {phases.Count + 1}: {name}, {options.Sessions} {(options.Stateless ? "2026-07-28 clients" : "sessions")}, {options.Warmup}s warm-up + {options.Duration}s");
        var result = await runner.RunAsync(name, options.Warmup, options.Duration, isGateway ? (authGateway ?? gateway)!.RssMb : null, cancel.Token, CpuOf(name));
        Log($"  {result.ReqPerSec} req/s, p50 {result.P50Ms} ms, p99 {result.P99Ms} ms, {result.Errors} errors{(result.FirstError is null ? "" : " (" + result.FirstError + ")")}");
        phases.Add(result);
    }

    var output = new JsonObject
    {
        ["mode"] = options.Mode,
        ["backend"] = options.Mode is "gateway" or "compare" ? options.Backend : null,
        ["sessions"] = options.Sessions,
        ["protocolVersion"] = options.Stateless ? LoadRunner.StatelessRevision : "2025-11-25",
        ["durationS"] = options.Duration,
        ["warmupS"] = options.Warmup,
        ["tool"] = options.Tool,
        ["observe"] = options.Mode == "compare-observability" ? options.Observe : null,
    };
    string markdown;
    if (options.Mode is "compare" or "compare-auth" or "compare-observability" or "compare-replicas")
    {
        // compare-auth: "gateway" is the gateway with --enable-auth, "direct" the same gateway without it;
        // compare-observability: "gateway" audits and exports over OTLP, "direct" runs with --disable-audit and no export.
        var settleErrors = 0L;
        if (options.Settle > 0)
        {
            // Each process reaches its steady state (tier-1 code, grown pools) before anything is measured; the
            // start-up itself is measured by --cold-start.
            foreach (var (name, runner) in new[] { ("gateway", gatewayRunner!), ("proxy", proxyRunner), ("direct", directRunner!) })
            {
                if (runner is not null)
                {
                    Log($"settling: {name}, {options.Settle}s of unmeasured load");
                    settleErrors += (await runner.RunAsync("settle", options.Settle, 1, null, cancel.Token)).Errors;
                }
            }
        }

        var roundRatios = new List<double>();
        var floorRatios = new List<double>();
        for (var round = 0; round < options.Rounds; round++)
        {
            var first = phases.Count;
            await Phase("gateway", gatewayRunner!, true);
            if (proxyRunner is not null)
            {
                await Phase("proxy", proxyRunner, false);
            }

            await Phase("direct", directRunner!, false);
            await Phase("direct", directRunner!, false);
            if (proxyRunner is not null)
            {
                await Phase("proxy", proxyRunner, false);
            }

            await Phase("gateway", gatewayRunner!, true);
            var inRound = phases.Skip(first).ToList();
            double RoundRps(string name) => inRound.Where(p => p.Name == name).Average(p => p.ReqPerSec);
            roundRatios.Add(RoundRps("gateway") / RoundRps("direct"));
            if (proxyRunner is not null)
            {
                floorRatios.Add(RoundRps("proxy") / RoundRps("direct"));
            }
        }

        var viaGateway = phases.Where(p => p.Name == "gateway").ToList();
        var direct = phases.Where(p => p.Name == "direct").ToList();
        var gwRps = Median(viaGateway.Select(p => p.ReqPerSec));
        var directRps = Median(direct.Select(p => p.ReqPerSec));
        var ratio = Median(roundRatios);
        var gwP50 = Median(viaGateway.Select(p => p.P50Ms));
        var directP50 = Median(direct.Select(p => p.P50Ms));
        var gwP99 = Median(viaGateway.Select(p => p.P99Ms));
        var directP99 = Median(direct.Select(p => p.P99Ms));
        var rssLoad = viaGateway.Max(p => p.RssLoadMb);
        output["rounds"] = options.Rounds;
        output["settleS"] = options.Settle;
        output["settleErrors"] = settleErrors;
        output["phases"] = new JsonArray([.. phases.Select(ToJson)]);
        output["gateway"] = new JsonObject { ["reqPerSec"] = gwRps, ["p50Ms"] = gwP50, ["p99Ms"] = gwP99 };
        output["direct"] = new JsonObject { ["reqPerSec"] = directRps, ["p50Ms"] = directP50, ["p99Ms"] = directP99 };
        output["throughputRatio"] = ratio;
        double? CpuPerCall(IEnumerable<PhaseResult> of) => of.All(p => p.CpuUsPerCall is not null) ? Median(of.Select(p => p.CpuUsPerCall!.Value)) : null;
        output["gatewayCpuUsPerCall"] = CpuPerCall(viaGateway);
        output["directCpuUsPerCall"] = CpuPerCall(direct);
        output["roundRatios"] = new JsonArray([.. roundRatios.Select(r => (JsonNode)Math.Round(r, 3))]);
        output["addedP50Ms"] = Math.Round(gwP50 - directP50, 3);
        output["addedP99Ms"] = Math.Round(gwP99 - directP99, 3);
        output["rssIdleMb"] = rssIdle;
        output["rssLoadMb"] = rssLoad;
        if (collector is not null)
        {
            // Proof that the measured gateway exported: what the collector stand-in received over the run.
            output["otlpExports"] = collector.Exports;
            output["otlpBytes"] = collector.Bytes;
        }
        if (proxyRunner is not null)
        {
            var viaProxy = phases.Where(p => p.Name == "proxy").ToList();
            output["proxy"] = new JsonObject
            {
                ["reqPerSec"] = Median(viaProxy.Select(p => p.ReqPerSec)),
                ["p50Ms"] = Median(viaProxy.Select(p => p.P50Ms)),
                ["p99Ms"] = Median(viaProxy.Select(p => p.P99Ms)),
            };
            output["floorRatio"] = Median(floorRatios);
            output["proxyCpuUsPerCall"] = CpuPerCall(viaProxy);
        }

        markdown = Row(
            options.Label ?? (options.Stateless
                ? $"{options.Backend} backend, {options.Sessions} 2026-07-28 client(s)"
                : $"{options.Backend} backend, {options.Sessions} session(s)"),
            options.Sessions,
            gwRps,
            directRps,
            ratio,
            $"{gwP50} / {directP50} (+{Math.Round(gwP50 - directP50, 3)})",
            $"{gwP99} / {directP99} (+{Math.Round(gwP99 - directP99, 3)})",
            phases.Sum(p => p.Errors),
            $"{Format(rssIdle)} / {Format(rssLoad)}");
    }
    else
    {
        await Phase(options.Mode, gatewayRunner ?? directRunner!, gatewayRunner is not null);
        var result = phases[0];
        foreach (var (key, value) in ToJson(result).AsObject().ToList())
        {
            output[key] = value?.DeepClone();
        }

        output["rssIdleMb"] = rssIdle;
        markdown = Row(
            options.Label ?? options.Mode,
            result.Sessions,
            result.ReqPerSec,
            result.P50Ms,
            result.P90Ms,
            result.P99Ms,
            result.MaxMs,
            result.Errors,
            $"{Format(rssIdle)} / {Format(result.RssLoadMb)}");
    }

    output["requests"] = phases.Sum(p => p.Requests);
    output["errors"] = phases.Sum(p => p.Errors) + (output["settleErrors"]?.GetValue<long>() ?? 0);
    var json = output.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    Console.WriteLine(json);
    Console.WriteLine(markdown);
    if (options.JsonPath is not null)
    {
        await File.WriteAllTextAsync(options.JsonPath, json + "\n");
    }

    return output["errors"]!.GetValue<long>() == 0 ? 0 : 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Log("cancelled");
    return 130;
}
catch (Exception e)
{
    await Console.Error.WriteLineAsync($"loadgen: {e.Message}");
    return 3;
}
finally
{
    foreach (var runner in runners)
    {
        await runner.CloseSessionsAsync();
    }

    if (haproxy is not null)
    {
        await haproxy.DisposeAsync();
    }

    if (replica2 is not null)
    {
        await replica2.DisposeAsync();
    }

    if (gateway is not null)
    {
        await gateway.DisposeAsync();
    }

    if (authGateway is not null)
    {
        await authGateway.DisposeAsync();
    }

    if (collector is not null)
    {
        await collector.DisposeAsync();
    }

    if (proxy is not null)
    {
        await proxy.DisposeAsync();
    }

    if (testServer is not null)
    {
        await testServer.DisposeAsync();
    }
}

static void Log(string message) => Console.Error.WriteLine($"[loadgen] {message}");

// Medians, not means: one phase disturbed by other work on the machine does not move the result.
static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    var middle = sorted.Length / 2;
    return Math.Round(sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2, 3);
}

static string Format(double? value) => value is null ? "-" : value.Value.ToString("0.0", CultureInfo.InvariantCulture);

static string Row(params object[] cells) =>
    "| " + string.Join(" | ", cells.Select(c => Convert.ToString(c, CultureInfo.InvariantCulture))) + " |";

static JsonNode ToJson(PhaseResult r) => new JsonObject
{
    ["name"] = r.Name,
    ["sessions"] = r.Sessions,
    ["durationS"] = r.DurationS,
    ["requests"] = r.Requests,
    ["errors"] = r.Errors,
    ["reqPerSec"] = r.ReqPerSec,
    ["p50Ms"] = r.P50Ms,
    ["p90Ms"] = r.P90Ms,
    ["p99Ms"] = r.P99Ms,
    ["maxMs"] = r.MaxMs,
    ["rssLoadMb"] = r.RssLoadMb,
    ["firstError"] = r.FirstError,
    ["cpuUsPerCall"] = r.CpuUsPerCall,
};
