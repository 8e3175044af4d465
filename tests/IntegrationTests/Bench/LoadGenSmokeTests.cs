using System.Diagnostics;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Bench;

/// <summary>
/// The load generator of bench/ run for a few seconds against the real gateway, so that it cannot rot:
/// it must finish, end every process it started, and see no errors. No timings are asserted.
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
        using var directory = new TestDirectory();
        var jsonPath = directory.File("result.json");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { LoadGenDll, "--gateway", "--sessions", "2", "--duration", "2", "--warmup", "0", "--json", jsonPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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

        var output = $"stdout:\n{await stdout}\nstderr:\n{await stderr}";
        process.ExitCode.ShouldBe(0, output);
        var result = JsonNode.Parse(await File.ReadAllTextAsync(jsonPath))!.AsObject();
        result["errors"]!.GetValue<long>().ShouldBe(0, output);
        result["requests"]!.GetValue<long>().ShouldBeGreaterThan(0, output);
        (await stdout).ShouldContain("| gateway |");
    }
}
