namespace OneMcp.Application.Backends;

/// <summary>What a configuration sync did; <see cref="Skipped"/> names config entries refused because an API backend owns the name.</summary>
public sealed record ConfigSyncReport(int Added, int Updated, int Removed, IReadOnlyList<string> Skipped);
