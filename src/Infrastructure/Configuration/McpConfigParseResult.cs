using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>The outcome of reading an <c>mcp.json</c>: the backends, or every error found.</summary>
public sealed class McpConfigParseResult
{
    public McpConfigParseResult(
        IReadOnlyList<BackendSettings> backends,
        IReadOnlyList<ConfigError> errors,
        IReadOnlyList<ConfigWarning> warnings)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(warnings);

        // A half-valid file must never be applied piecemeal, so an invalid result carries no backends at
        // all: a caller cannot accidentally start the servers that happened to parse.
        Backends = errors.Count == 0 ? backends : [];
        Errors = errors;
        Warnings = warnings;
    }

    /// <summary>The configured backends in file order; empty when <see cref="IsValid"/> is false.</summary>
    public IReadOnlyList<BackendSettings> Backends { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    public IReadOnlyList<ConfigWarning> Warnings { get; }

    public bool IsValid => Errors.Count == 0;

    /// <summary>A result that failed before any server could be read (unreadable file, invalid JSON).</summary>
    public static McpConfigParseResult Failure(string path, string message) =>
        new([], [new ConfigError(path, message)], []);
}
