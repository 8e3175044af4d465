namespace OneMcp.Application.Health.Queries;

public sealed record BackendHealth(string Name, string Transport, string Status, string? Error, DateTimeOffset? LastConnectedAt, int Restarts, int Tools, IReadOnlyList<string> Tags);
