using OneMcp.IntegrationTests.Bench;
using OneMcp.IntegrationTests.Persistence;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// The bench row of issue 16 (<c>LoadGen --compare-replicas</c>) run for a few seconds, so that it cannot rot: legacy
/// sessions through HAProxy over two replicas on one PostgreSQL database (about half of the requests relayed to the
/// replica that holds the session) against one replica directly, with zero errors. No timings are asserted.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class ReplicaBenchSmokeTests(PostgresFixture postgres)
{
    [Fact]
    public async Task LoadGen_CompareReplicas_MeasuresHaproxyOverTwoReplicasAndOneReplicaWithoutErrors()
    {
        var database = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());

        var (result, output) = await LoadGenSmokeTests.RunAsync(
            "--compare-replicas", "--database", database, "--sessions", "4", "--duration", "2", "--warmup", "1");

        result["errors"]!.GetValue<long>().ShouldBe(0, output);
        result["phases"]!.AsArray().Select(p => (string)p!["name"]!).ShouldBe(["gateway", "direct", "direct", "gateway"], output);
        result["phases"]!.AsArray().ShouldAllBe(p => p!["requests"]!.GetValue<long>() > 0, output);
        result["gatewayCpuUsPerCall"].ShouldNotBeNull(output);
    }
}
