using OneMcp.Domain.Common;

namespace OneMcp.Domain.Backends;

/// <summary>
/// A backend MCP server the gateway fronts. It guards who may change what: the file owns config backends,
/// operators own API backends, and anyone with the right may switch either on or off.
/// </summary>
public sealed class BackendService : EditableAggregate
{
    private BackendService(BackendSettings settings, BackendOrigin origin, DateTimeOffset now)
        : base(Guid.NewGuid(), now)
    {
        Settings = settings;
        Origin = origin;
        Enabled = true;
    }

    private BackendService(Guid id, BackendSettings settings, BackendOrigin origin, bool enabled, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt)
        : base(id, version, createdAt, updatedAt)
    {
        Settings = settings;
        Origin = origin;
        Enabled = enabled;
    }

    public ServerName Name => Settings.Name;

    /// <summary>The definition as written (for config backends: as in mcp.json).</summary>
    public BackendSettings Settings { get; private set; }

    public BackendOrigin Origin { get; }

    /// <summary>The operator's switch, kept across restarts and config reloads.</summary>
    public bool Enabled { get; private set; }

    /// <summary>What the gateway runs: the definition, off when either the file or the operator says so.</summary>
    public BackendSettings EffectiveSettings => Enabled ? Settings : Settings with { Disabled = true };

    public static BackendService Register(BackendSettings settings, BackendOrigin origin, DateTimeOffset now) =>
        new(settings, origin, now);

    /// <summary>Rebuilds a stored backend; only repositories call this.</summary>
    internal static BackendService Restore(Guid id, BackendSettings settings, BackendOrigin origin, bool enabled, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, settings, origin, enabled, version, createdAt, updatedAt);

    /// <summary>An operator edits the definition of an API backend.</summary>
    public void Update(BackendSettings settings, DateTimeOffset now)
    {
        if (Origin == BackendOrigin.Config)
        {
            throw new DomainException("backend.read_only", $"Backend '{Name}' is defined in mcp.json; edit the file to change it.");
        }

        if (settings.Name != Name)
        {
            throw new DomainException("backend.rename", $"Backend '{Name}' cannot be renamed; remove it and register it again.");
        }

        Touch(() => Settings = settings, now);
    }

    /// <summary>The configuration file changed this backend's definition.</summary>
    public void SyncFromConfig(BackendSettings settings, DateTimeOffset now)
    {
        if (Origin != BackendOrigin.Config)
        {
            throw new DomainException("backend.not_config", $"Backend '{Name}' was registered through the API; mcp.json does not own it.");
        }

        Touch(() => Settings = settings, now);
    }

    public void Enable(DateTimeOffset now)
    {
        if (!Enabled)
        {
            Touch(() => Enabled = true, now);
        }
    }

    public void Disable(DateTimeOffset now)
    {
        if (Enabled)
        {
            Touch(() => Enabled = false, now);
        }
    }

    /// <summary>Throws unless an operator may remove this backend (config backends leave with the file).</summary>
    public void EnsureRemovable()
    {
        if (Origin == BackendOrigin.Config)
        {
            throw new DomainException("backend.read_only", $"Backend '{Name}' is defined in mcp.json; remove it from the file.");
        }
    }
}
