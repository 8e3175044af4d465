using OneMcp.Application.Health.Queries;

namespace OneMcp.UnitTests.Health;

/// <summary>What <c>/health</c> and <c>/health/ready</c> show, with and without the right to see the backends.</summary>
public sealed class HealthViewsTests
{
    private static readonly HealthReport Report = new(HealthStatus.Degraded, Ready: false, "0.1.0", DateTimeOffset.UnixEpoch,
        [new BackendHealth("web", "StreamableHttp", "Error", "refused", null, 2, 0, ["web"])])
    {
        BackendCounts = new BackendCounts(0, 1, 1),
    };

    [Fact]
    public void Summary_KeepsTheStatusAndCounts_WithoutNamingABackend()
    {
        HealthSummary.Of(Report).ShouldBe(new HealthSummary(HealthStatus.Degraded, false, DateTimeOffset.UnixEpoch, new BackendCounts(0, 1, 1)));
    }

    [Fact]
    public void Readiness_WithBackends_ListsThem()
    {
        var readiness = Readiness.Of(Report, withBackends: true);

        readiness.Status.ShouldBe("not_ready");
        readiness.Backends.ShouldNotBeNull().ShouldHaveSingleItem().Name.ShouldBe("web");
        readiness.BackendCounts.ShouldBe(new BackendCounts(0, 1, 1));
    }

    [Fact]
    public void Readiness_WithoutBackends_LeavesThemOutOfTheJson()
    {
        var readiness = Readiness.Of(Report with { Ready = true }, withBackends: false);

        readiness.Status.ShouldBe("ready");
        System.Text.Json.JsonSerializer.Serialize(readiness, System.Text.Json.JsonSerializerOptions.Web)
            .ShouldBe("""{"status":"ready","backendCounts":{"connected":0,"enabled":1,"total":1}}""");
    }
}
