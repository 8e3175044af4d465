namespace OneMcp.Application.Health.Queries;

public enum HealthStatus
{
    /// <summary>Every enabled backend is connected.</summary>
    Healthy,
    /// <summary>The gateway serves, but some enabled backends are not connected.</summary>
    Degraded,
    /// <summary>Still loading, or no enabled backend is connected.</summary>
    Unhealthy,
}
