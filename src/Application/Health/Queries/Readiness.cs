using System.Text.Json.Serialization;

namespace OneMcp.Application.Health.Queries;

/// <summary>
/// The answer of <c>/health/ready</c>: <c>ready</c> or <c>not_ready</c>, the backends only for who may see them, and
/// the reason when the database cannot be reached (<c>database unreachable: ...</c>) or its probe failed otherwise
/// (<c>database probe failed: ...</c>).
/// </summary>
public sealed record Readiness(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<BackendHealth>? Backends,
    BackendCounts BackendCounts)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    public const string Ready = "ready";
    public const string NotReady = "not_ready";

    /// <param name="report">The backends' state.</param>
    /// <param name="withBackends">Whether the caller may see them.</param>
    /// <param name="databaseUnreachable">Why the database cannot be reached or its probe failed, or null when it answers.</param>
    public static Readiness Of(HealthReport report, bool withBackends, string? databaseUnreachable = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new Readiness(report.Ready && databaseUnreachable is null ? Ready : NotReady, withBackends ? report.Backends : null, report.BackendCounts)
        {
            Reason = databaseUnreachable,
        };
    }
}
