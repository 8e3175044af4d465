namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// The errors and warnings found while reading one configuration, in the order they were found. Shared by the
/// JSON reader, the server-definition assembler and the <c>${VAR}</c> substitution so one pass reports everything.
/// </summary>
internal sealed class ConfigDiagnostics
{
    private readonly List<ConfigError> _errors = [];
    private readonly List<ConfigWarning> _warnings = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public IReadOnlyList<ConfigWarning> Warnings => _warnings;

    public int ErrorCount => _errors.Count;

    public void Error(string path, string message) => _errors.Add(new ConfigError(path, message));

    public void Warn(string path, string message) => _warnings.Add(new ConfigWarning(path, message));

    /// <summary>Reports a field no one knows, pointing at the closest known one ("did you mean").</summary>
    public void UnknownField(string path, string name, IEnumerable<string> known)
    {
        var suggestion = FieldSuggester.Suggest(name, known);
        Error(path, suggestion is null
            ? $"Unknown field '{name}'."
            : $"Unknown field '{name}'; did you mean '{suggestion}'?");
    }

    /// <summary>Reports a 1MCP feature that is accepted so a 1MCP file loads, but has no effect here.</summary>
    public void Unsupported(string path, string name, string what) =>
        Warn(path, $"'{name}' is a 1MCP {what} OneMcp does not support; it is ignored.");
}
