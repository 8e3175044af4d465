namespace OneMcp.Application.Backends;

/// <summary>
/// The fields of a backend as the REST API takes them: the mcp.json server entry (same names, same units:
/// timeouts and delays in milliseconds). <c>disabled</c> is not one of them: enable and disable are operations.
/// </summary>
public abstract record BackendDefinition
{
    /// <summary><c>stdio</c>, <c>http</c> (or <c>streamableHttp</c>) or <c>sse</c>; inferred from command/url when absent.</summary>
    public string? Type { get; init; }
    public string? Command { get; init; }
    public IReadOnlyList<string>? Args { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public string? Url { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? DisabledTools { get; init; }
    public IReadOnlyDictionary<string, string>? ToolDescriptionOverrides { get; init; }
    public string? InstructionOverride { get; init; }
    public long? ConnectionTimeout { get; init; }
    public long? RequestTimeout { get; init; }
    public bool? RestartOnExit { get; init; }
    public int? MaxRestarts { get; init; }
    public long? RestartDelay { get; init; }
    public BackendOAuthDefinition? OAuth { get; init; }

    /// <summary><c>shared</c> (default) or <c>perUser</c>: whose credentials calls use (ADR 0033).</summary>
    public string? Credentials { get; init; }

    /// <summary>Per-user stdio: minutes an instance may sit unused before it stops (fractions allowed).</summary>
    public double? IdleTimeoutMinutes { get; init; }

    /// <summary>Per-user stdio: how many users' instances may run at once.</summary>
    public int? MaxInstances { get; init; }

    /// <summary>Per-user http/sse with OAuth: <c>self</c> (default) or <c>admin</c> (an administrator approves each user).</summary>
    public string? Approval { get; init; }
}
