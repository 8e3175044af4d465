using System.Diagnostics;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Bench;

/// <summary>
/// The load generator of bench/ run for a few seconds against the real gateway, so that it cannot rot:
/// it must finish, end every process it started, and see no errors. No timings are asserted. A measured phase of
/// half a second is enough: with no warm-up, each session's first request starts the phase and is always counted.
/// </summary>
public sealed class LoadGenSmokeTests
{
    private static readonly string Configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static string LoadGenDll
    {
        get
        {
            var path = Path.Combine(TestPaths.RepositoryRoot, "bench", "LoadGen", "bin", Configuration, "net10.0", "OneMcp.LoadGen.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build OneMcp.sln).");
        }
    }

    [Fact]
    public async Task LoadGen_ThroughTheGateway_RunsWithoutErrors()
    {
        var (result, output) = await RunAsync("--gateway", "--sessions", "2", "--duration", "0.5", "--warmup", "0");

        result["errors"]!.GetValue<long>().ShouldBe(0, output);
        result["requests"]!.GetValue<long>().ShouldBeGreaterThan(0, output);
        output.ShouldContain("| gateway |");
    }

    [Fact]
    public async Task LoadGen_CompareWithTheNullProxy_MeasuresAllThreeTargetsInRounds()
    {
        var (result, output) = await RunAsync("--compare", "--floor", "--rounds", "2", "--sessions", "2", "--duration", "0.5", "--warmup", "0");

        result["errors"]!.GetValue<long>().ShouldBe(0, output);
        var phases = result["phases"]!.AsArray().Select(p => (Name: (string)p!["name"]!, Requests: p!["requests"]!.GetValue<long>())).ToList();
        phases.Select(p => p.Name).ShouldBe(
            ["gateway", "proxy", "direct", "direct", "proxy", "gateway", "gateway", "proxy", "direct", "direct", "proxy", "gateway"], output);
        phases.ShouldAllBe(p => p.Requests > 0, output);
        result["roundRatios"]!.AsArray().Count.ShouldBe(2, output);
        result["floorRatio"]!.GetValue<double>().ShouldBeGreaterThan(0, output);
        result["proxy"]!["reqPerSec"]!.GetValue<double>().ShouldBeGreaterThan(0, output);
    }

    [Fact]
    public async Task LoadGen_StatelessCompareWithTheNullProxy_TheProxyCarriesTheRevisionsHeaders()
    {
        // 2026-07-28 requests name their method in Mcp-Method, which the test server checks against the body.
        var (result, output) = await RunAsync("--compare", "--floor", "--stateless", "--rounds", "1", "--sessions", "2", "--duration", "0.5", "--warmup", "0");

        result["protocolVersion"]!.GetValue<string>().ShouldBe("2026-07-28", output);
        result["errors"]!.GetValue<long>().ShouldBe(0, output);
        result["proxy"]!["reqPerSec"]!.GetValue<double>().ShouldBeGreaterThan(0, output);
    }

    [Fact]
    public async Task LoadGen_StartWithNoBackend_TimesAFreshStartAndARestartOnItsDatabase()
    {
        var (result, output) = await RunAsync("--cold-start", "0", "--repeat", "1");

        var run = result["runs"]!.AsArray().Single()!;
        run["tools"]!.GetValue<int>().ShouldBe(0, output);
        run["listeningMs"]!.GetValue<double>().ShouldBeGreaterThan(0, output);
        run["restartListeningMs"]!.GetValue<double>().ShouldBeGreaterThan(0, output);
        run["restartCompleteMs"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(run["restartListeningMs"]!.GetValue<double>(), output);
        result["restartListeningMs"]!.GetValue<double>().ShouldBeGreaterThan(0, output);
    }

    [Fact]
    public async Task LoadGen_CompareObservability_MeasuresBothGatewaysAndTheCollectorReceivesExports()
    {
        var (result, output) = await RunAsync("--compare-observability", "--sessions", "2", "--duration", "2", "--warmup", "1");

        result["errors"]!.GetValue<long>().ShouldBe(0, output);
        result["observe"]!.GetValue<string>().ShouldBe("both", output);
        result["phases"]!.AsArray().Select(p => (string)p!["name"]!).ShouldBe(["gateway", "direct", "direct", "gateway"], output);
        result["phases"]!.AsArray().ShouldAllBe(p => p!["requests"]!.GetValue<long>() > 0, output);
        result["otlpExports"]!.GetValue<long>().ShouldBeGreaterThan(0, output);
    }

    [Fact]
    public async Task LoadGen_ColdStartWithBashBackends_ListsEveryBackendsTools()
    {
        var (result, output) = await RunAsync("--cold-start", "3", "--stdio-server", "bash", "--repeat", "1");

        result["stdioServer"]!.GetValue<string>().ShouldBe("bash", output);
        result["runs"]!.AsArray().Single()!["tools"]!.GetValue<int>().ShouldBe(3 * 15, output);
    }

    [Fact]
    public async Task LoadGen_GatewayEnvironment_ReachesTheGateway()
    {
        // A setting the gateway refuses shows that the variable reached its process: the run stops at its start.
        var (exitCode, output) = await RunProcessAsync(
            ["--gateway", "--sessions", "1", "--duration", "1", "--warmup", "0"],
            new Dictionary<string, string> { ["ONEMCP_BENCH_GATEWAY_ENV"] = "ONEMCP_AUDIT_RETENTION_DAYS=0" });

        exitCode.ShouldBe(3, output);
        output.ShouldContain("invalid audit retention '0'", Case.Sensitive, output);
    }

    [Fact]
    public async Task LoadGen_SecondGatewaysEnvironment_ReachesOnlyTheSecondGatewayOfAnABRun()
    {
        var (exitCode, output) = await RunProcessAsync(
            ["--compare-observability", "--observe", "none", "--sessions", "1", "--duration", "1", "--warmup", "0"],
            new Dictionary<string, string> { ["ONEMCP_BENCH_GATEWAY_B_ENV"] = "ONEMCP_AUDIT_RETENTION_DAYS=0" });

        exitCode.ShouldBe(3, output);
        output.ShouldContain("] gateway (pid ", Case.Sensitive, output);
        output.ShouldContain("invalid audit retention '0'", Case.Sensitive, output);
    }

    [Fact]
    public async Task LoadGen_GatewayEnvironmentThatIsNotNameValuePairs_IsRefusedBeforeAnythingStarts()
    {
        var (exitCode, output) = await RunProcessAsync(
            ["--gateway", "--sessions", "1", "--duration", "1", "--warmup", "0"],
            new Dictionary<string, string> { ["ONEMCP_BENCH_GATEWAY_ENV"] = "DOTNET_gcServer=1 gcServer" });

        exitCode.ShouldBe(2, output);
        output.ShouldContain("ONEMCP_BENCH_GATEWAY_ENV: 'gcServer' is not NAME=VALUE", Case.Sensitive, output);
        output.ShouldNotContain("pid", Case.Sensitive, output);
    }

    /// <summary>Runs the load generator with <paramref name="arguments"/>: it must exit 0 and write its JSON result.</summary>
    internal static async Task<(JsonObject Result, string Output)> RunAsync(params string[] arguments)
    {
        using var directory = new TestDirectory();
        var jsonPath = directory.File("result.json");
        var (exitCode, output) = await RunProcessAsync([.. arguments, "--json", jsonPath]);
        exitCode.ShouldBe(0, output);
        return (JsonNode.Parse(await File.ReadAllTextAsync(jsonPath))!.AsObject(), output);
    }

    /// <summary>Runs the load generator with <paramref name="arguments"/> and more <paramref name="environment"/>: its exit code and output.</summary>
    private static async Task<(int ExitCode, string Output)> RunProcessAsync(string[] arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[LoadGenDll, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the load generator");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
        }

        return (process.ExitCode, $"stdout:\n{await stdout}\nstderr:\n{await stderr}");
    }
}
