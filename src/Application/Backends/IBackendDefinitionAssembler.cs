namespace OneMcp.Application.Backends;

/// <summary>
/// Turns a backend definition from the REST API into <see cref="Domain.Backends.BackendSettings"/> with exactly the
/// rules an mcp.json server entry is assembled with, so the REST API and mcp.json can never disagree about what is valid.
/// </summary>
public interface IBackendDefinitionAssembler
{
    /// <param name="name">A valid server name (checked by the caller).</param>
    /// <param name="definition">The fields as sent; taken literally (no <c>${VAR}</c> substitution).</param>
    BackendDefinitionResult Assemble(string name, BackendDefinition definition);
}
