using System.Text.Json.Nodes;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// Turns one server entry in the mcp.json shape into <see cref="BackendSettings"/> with exactly the rules the
/// configuration file is read with, so the REST API and mcp.json can never disagree about what is valid.
/// </summary>
public interface IBackendDefinitionParser
{
    /// <param name="name">A valid server name (checked by the caller).</param>
    /// <param name="entry">The entry as it would appear under <c>mcpServers.&lt;name&gt;</c>; taken literally (no <c>${VAR}</c> substitution).</param>
    BackendDefinitionResult Parse(string name, JsonObject entry);
}

/// <summary>A problem with one field of a definition; <see cref="Field"/> is relative to the entry (<c>command</c>, <c>args[1]</c>, <c>env.TOKEN</c>).</summary>
public sealed record BackendDefinitionError(string Field, string Message);

public sealed record BackendDefinitionResult(BackendSettings? Settings, IReadOnlyList<BackendDefinitionError> Errors)
{
    public bool IsValid => Settings is not null && Errors.Count == 0;
}
