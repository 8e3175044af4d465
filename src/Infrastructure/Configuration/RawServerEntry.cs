using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// The fields of one server (or of <c>serverDefaults</c>) as written, type-checked but not resolved:
/// <c>${VAR}</c> is not substituted yet and the transport rules are not applied. <see cref="PresentPaths"/>
/// records every field that was present, even when its value was of the wrong type.
/// </summary>
internal sealed class RawServerEntry
{
    public Dictionary<string, string> PresentPaths { get; } = new(StringComparer.Ordinal);
    public Located<string>? Type { get; set; }
    public Located<string>? Command { get; set; }
    public List<Located<string>>? Args { get; set; }
    public Located<string>? Cwd { get; set; }
    public List<RawEnvEntry>? Env { get; set; }
    public Located<string>? Url { get; set; }
    public List<(string Name, Located<string> Value)>? Headers { get; set; }
    public List<Tag>? Tags { get; set; }
    public bool? Disabled { get; set; }
    public HashSet<string>? DisabledTools { get; set; }
    public Dictionary<string, string>? ToolDescriptionOverrides { get; set; }
    public string? InstructionOverride { get; set; }
    public long? ConnectionTimeout { get; set; }
    public long? RequestTimeout { get; set; }
    public long? Timeout { get; set; }
    public bool? RestartOnExit { get; set; }
    public int? MaxRestarts { get; set; }
    public long? RestartDelay { get; set; }
    public RawOAuth? OAuth { get; set; }
    public Located<string>? Credentials { get; set; }
    public double? IdleTimeoutMinutes { get; set; }
    public int? MaxInstances { get; set; }
    public Located<string>? Approval { get; set; }
}
