namespace OneMcp.Application.Health.Queries;

/// <summary>How many backends there are, are enabled and are connected: what anyone may know of them.</summary>
public sealed record BackendCounts(int Connected, int Enabled, int Total);
