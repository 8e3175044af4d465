using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Cli;

/// <summary>
/// The gateway as built carries its runtime settings (ADR 0008, ADR 0037) in its runtimeconfig.json, where the runtime
/// reads them at start: no operator has to set them, and the benchmark's null proxy runs with the same ones.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Theory]
    [InlineData("gateway")]
    [InlineData("null proxy")]
    public async Task TheBuild_CarriesTheGatewaysRuntimeSettings(string build)
    {
        var dll = build == "gateway" ? TestPaths.GatewayDll : TestPaths.NullProxyDll;
        var properties = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(dll, ".runtimeconfig.json")))!["runtimeOptions"]!["configProperties"]!;

        ((bool)properties["System.GC.Server"]!).ShouldBeFalse();
        ((bool)properties["System.GC.Concurrent"]!).ShouldBeFalse();
        ((bool)properties["System.Runtime.TieredPGO"]!).ShouldBeFalse();
        ((int)properties["System.Runtime.TieredCompilation.CallCountingDelayMs"]!).ShouldBe(0);
        // Recompiled after the runtime's 30 calls: a higher count kept code that runs a few times a second (the OTLP
        // exporter's and the audit writer's batches) at tier 0 for minutes (ADR 0008).
        properties["System.Runtime.TieredCompilation.CallCountThreshold"].ShouldBeNull();
        ((int)properties["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!).ShouldBe(0);
    }
}
