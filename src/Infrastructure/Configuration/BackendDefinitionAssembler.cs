using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Builds the settings of a backend from the REST API with the same <see cref="ServerDefinitionAssembler"/> and
/// <see cref="ServerFieldRules"/> an mcp.json entry goes through, so both surfaces share every rule and message.
/// Differences, on purpose: strings are taken literally (a REST caller must not read the gateway's environment
/// through <c>${VAR}</c>), and what the file only warns about (a field with no effect on the transport) is an
/// error, because an API caller has no log to read.
/// </summary>
public sealed class BackendDefinitionAssembler : IBackendDefinitionAssembler
{
    private const string WholeEntry = "definition";

    public BackendDefinitionResult Assemble(string name, BackendDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(definition);

        // The entry is its own root, so a problem's path relative to the entry is its field ("args[1]").
        var diagnostics = new ConfigDiagnostics();
        var raw = new DefinitionEntryReader(diagnostics).Read(definition, JsonPath.Root);
        var settings = new ServerDefinitionAssembler(diagnostics, environment: null)
            .Assemble(ServerName.From(name), raw, JsonPath.Root, ServerDefaults.None);

        var errors = diagnostics.Errors.Select(e => new BackendDefinitionError(Field(e.Path), e.Message))
            .Concat(diagnostics.Warnings.Select(w => new BackendDefinitionError(Field(w.Path), w.Message)))
            .ToList();
        return new BackendDefinitionResult(errors.Count == 0 ? settings : null, errors);
    }

    private static string Field(string path) => path.Length > JsonPath.Root.Length
        ? path[JsonPath.Root.Length] == '.' ? path[(JsonPath.Root.Length + 1)..] : path[JsonPath.Root.Length..]
        : WholeEntry;
}
