namespace OneMcp.Application.Backends;

/// <summary>A problem with one field of a definition; <see cref="Field"/> is relative to the entry (<c>command</c>, <c>args[1]</c>, <c>env.TOKEN</c>).</summary>
public sealed record BackendDefinitionError(string Field, string Message);
