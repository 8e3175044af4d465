using System.Text.Json;
using OneMcp.Application.Health.Queries;

namespace OneMcp.UnitTests.Replicas;

/// <summary><c>/health/ready</c> is not ready while the database cannot be reached, and says why.</summary>
public sealed class ReadinessWithDatabaseTests
{
    private static readonly HealthReport ReadyBackends = new(HealthStatus.Healthy, true, "0.1.0", DateTimeOffset.UnixEpoch, [])
    {
        BackendCounts = new BackendCounts(1, 1, 1),
    };

    [Fact]
    public void WhenTheDatabaseCannotBeReached_NotReady_WithTheReason()
    {
        var readiness = Readiness.Of(ReadyBackends, withBackends: false, databaseUnreachable: "database unreachable: connection refused");

        readiness.Status.ShouldBe(Readiness.NotReady);
        readiness.Reason.ShouldBe("database unreachable: connection refused");
        JsonSerializer.Serialize(readiness, JsonSerializerOptions.Web).ShouldContain("\"reason\":\"database unreachable: connection refused\"");
    }

    [Fact]
    public void WhenTheDatabaseAnswers_ReadyAndNoReasonField()
    {
        var readiness = Readiness.Of(ReadyBackends, withBackends: false, databaseUnreachable: null);

        readiness.Status.ShouldBe(Readiness.Ready);
        JsonSerializer.Serialize(readiness, JsonSerializerOptions.Web).ShouldNotContain("reason");
    }
}
