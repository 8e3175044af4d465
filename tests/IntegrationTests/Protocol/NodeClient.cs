using System.Diagnostics;
using System.Text.Json;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// The official TypeScript SDK v2 client (<c>@modelcontextprotocol/client</c>, pinned in tests/NodeClients/package.json
/// and installed by scripts/test.sh), run by Node with the scripts in tests/NodeClients: stateless-client.mjs,
/// pinned to 2026-07-28, lists the tools and calls one; flows.mjs runs the other flows of either era.
/// </summary>
internal static class NodeClient
{
    private static readonly string Directory = Path.Combine(TestPaths.RepositoryRoot, "tests", "NodeClients");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Outcome(string ProtocolVersion, string? ServerName, IReadOnlyList<string> Tools, bool IsError, string Text);

    public static async Task<Outcome> ListAndCallAsync(Uri mcpUrl, string tool, string message, string? token = null) =>
        (await RunAsync(["stateless-client.mjs", mcpUrl.ToString(), tool, message], token)).Deserialize<Outcome>(Json)
            ?? throw new InvalidOperationException("The Node client printed no result.");

    /// <summary>
    /// Runs one flow of tests/NodeClients/flows.mjs (<c>surfaces</c>, <c>progress</c>, <c>cancel</c> or <c>legacy</c>)
    /// against <paramref name="mcpUrl"/> with the names of <paramref name="server"/> (original names when it is empty, as on
    /// <c>/mcp/&lt;server&gt;</c>), and returns the JSON line it printed.
    /// </summary>
    public static Task<JsonElement> FlowAsync(Uri mcpUrl, string flow, string server, string? token = null) =>
        RunAsync(["flows.mjs", mcpUrl.ToString(), flow, server], token);

    /// <summary>
    /// Runs tests/NodeClients/mrtr.mjs: pinned to 2026-07-28, it calls <paramref name="server"/>'s <c>elicit</c> and
    /// <c>sample</c> tools and answers what the gateway asks through input_required with its own handlers.
    /// </summary>
    public static Task<JsonElement> MrtrAsync(Uri mcpUrl, string server, string? token = null) =>
        RunAsync(["mrtr.mjs", mcpUrl.ToString(), server], token);

    private static async Task<JsonElement> RunAsync(IEnumerable<string> arguments, string? token)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "client")))
        {
            throw new InvalidOperationException($"The Node test clients are not installed: run 'npm ci' in {Directory} (scripts/test.sh does).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (token is not null)
        {
            start.Environment["ONEMCP_TOKEN"] = token;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The Node client did not finish within 60 s. stderr: {await stderr}");
        }

        process.ExitCode.ShouldBe(0, $"node {start.ArgumentList[0]} failed: {await stderr}");
        var line = (await stdout).Trim().Split('\n').Last();
        return JsonSerializer.Deserialize<JsonElement>(line, Json);
    }
}
