using System.Text.Json.Serialization;

namespace OneMcp.Application.Health.Queries;

/// <summary>The answer of <c>/health/ready</c>: <c>ready</c> or <c>not_ready</c>, the backends only for who may see them.</summary>
public sealed record Readiness(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<BackendHealth>? Backends,
    BackendCounts BackendCounts)
{
    public const string Ready = "ready";
    public const string NotReady = "not_ready";

    public static Readiness Of(HealthReport report, bool withBackends)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new Readiness(report.Ready ? Ready : NotReady, withBackends ? report.Backends : null, report.BackendCounts);
    }
}
