using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Filtering;

namespace OneMcp.Application.Gateway.Sessions;

/// <summary>
/// One client session of the gateway: who it is, what it may see (fixed at initialize, except that a
/// session opened with a preset follows later edits of that preset) and the per-session state that must
/// never leak into other sessions (log level, subscriptions).
/// </summary>
public sealed class GatewaySession(string id, SessionFilter filter)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _subscriptions = new(StringComparer.Ordinal);
    private IClientPeer? _peer;
    private volatile SessionFilter _filter = filter;
    private volatile Authorization.TagGrant? _grant;

    // NewId: a random part drawn once per process, then a counter. The ids only key the gateway's own tables, never
    // reach a client and need no secrecy; a 2026-07-28 request makes a session each, so a random draw per id cost a
    // system call per request.
    private static readonly string ProcessPrefix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
    private static long _lastId;

    public string Id { get; } = id;

    /// <summary>A session id unique within this process (and, by its random part, between processes).</summary>
    public static string NewId() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ProcessPrefix}-{Interlocked.Increment(ref _lastId):x}");

    /// <summary>A one-way pseudonym of the signed-in user (spans name it, never the user); null without auth.</summary>
    public string? UserHash { get; init; }

    /// <summary>Who the session acts for (its token's user and client), as the audit log names them.</summary>
    public Audit.AuditActor Actor { get; init; } = Audit.AuditActor.Anonymous;

    public SessionFilter Filter => _filter;

    /// <summary>True for a 2026-07-28 request, which is served alone (<see cref="ProtocolEra"/>).</summary>
    public bool PerRequest { get; init; }

    /// <summary>
    /// Set for a session of <c>/mcp/&lt;server&gt;</c>: the one backend it reaches, under that backend's original
    /// names (ADR 0025); null on <c>/mcp</c>, where every visible backend is reached under prefixed names.
    /// </summary>
    public Domain.Backends.ServerName? OnlyBackend { get; init; }

    /// <summary>True when the session was opened with <c>?preset=<paramref name="presetName"/></c>.</summary>
    public bool UsesPreset(string presetName) =>
        _filter.Kind == SessionFilterKind.Preset && string.Equals(_filter.PresetName, presetName, StringComparison.Ordinal);

    /// <summary>
    /// The session's preset was changed or deleted: from now on its visibility follows the new filter.
    /// Only a preset session's filter can change, and only to the same preset's new version.
    /// </summary>
    public void FollowPreset(SessionFilter presetFilter)
    {
        ArgumentNullException.ThrowIfNull(presetFilter);
        if (presetFilter.Kind != SessionFilterKind.Preset || !UsesPreset(presetFilter.PresetName!))
        {
            throw new InvalidOperationException($"Session {Id} was not opened with preset '{presetFilter.PresetName}'.");
        }

        _filter = presetFilter;
    }

    /// <summary>
    /// What the session's access token was granted under scope validation; null when scopes do not limit it
    /// (authentication or scope validation off).
    /// </summary>
    public Authorization.TagGrant? Grant
    {
        get => _grant;
        init => _grant = value;
    }

    /// <summary>
    /// A request came with a token granted <paramref name="grant"/>: from now on the session reaches only the
    /// backends both grants reach (decided per backend: under "all" fewer tags would reach more). A session never widens (a wider token opens a new session), so a request still in
    /// flight with an older token cannot undo a narrowing.
    /// </summary>
    public void Narrow(Authorization.TagGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        lock (_gate)
        {
            _grant = _grant is null ? grant : grant.Within(_grant);
        }
    }

    /// <summary>The minimum level of backend log messages this session wants; null until it sets one.</summary>
    public LoggingLevel? LogLevel { get; set; }

    /// <summary>
    /// A 2026-07-28 request names the level of backend log messages it wants in its own <c>_meta</c>
    /// (<c>io.modelcontextprotocol/logLevel</c>; there is no <c>logging/setLevel</c> any more): the request's
    /// session takes it from <paramref name="requestParams"/>. An unknown level is the client's error (-32602).
    /// </summary>
    public void TakeLogLevelFrom(JsonNode? requestParams) =>
        TakeLogLevelFromMeta(requestParams is JsonObject parameters ? parameters["_meta"] as JsonObject : null);

    /// <summary>The same, from the request's <c>_meta</c> itself.</summary>
    public void TakeLogLevelFromMeta(JsonObject? meta)
    {
        if (meta?[MetaKeys.LogLevel] is not { } level)
        {
            return;
        }

        LoggingLevel? parsed = null;
        JsonException? invalid = null;
        if (level is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                parsed = value.Deserialize<LoggingLevel>(McpJsonUtilities.DefaultOptions);
            }
            catch (JsonException e)
            {
                invalid = e;
            }
        }

        LogLevel = parsed is { } known && Enum.IsDefined(known)
            ? known
            : throw new McpProtocolException(
                $"_meta '{MetaKeys.LogLevel}' must be one of debug, info, notice, warning, error, critical, alert, emergency.",
                invalid,
                McpErrorCode.InvalidParams);
    }

    public IClientPeer Peer => _peer ?? throw new InvalidOperationException($"Session {Id} is not attached to a client yet.");

    public bool IsAttached => _peer is not null;

    public void Attach(IClientPeer peer) => _peer = peer;

    /// <summary>
    /// The one visibility decision of the gateway: every list, call and notification asks it. A user's own connection
    /// to a per-user backend is seen by that user's sessions only.
    /// </summary>
    public bool CanSee(IBackendConnection backend) =>
        backend.State.Status == BackendStatus.Connected && Allows(backend.Settings)
        && (backend is not Connections.IUserBackendConnection own || own.Owner == Connections.ConnectionOwner.Of(Actor));

    /// <summary>Whether the session's filter and grant admit the backend, whatever its connection state.</summary>
    public bool Allows(Domain.Backends.BackendSettings settings) =>
        BackendVisibility.Admits(Filter, _grant, settings) && (OnlyBackend is not { } only || settings.Name == only);

    public bool AddSubscription(string prefixedUri)
    {
        lock (_gate)
        {
            return _subscriptions.Add(prefixedUri);
        }
    }

    public bool RemoveSubscription(string prefixedUri)
    {
        lock (_gate)
        {
            return _subscriptions.Remove(prefixedUri);
        }
    }

    public bool IsSubscribed(string prefixedUri)
    {
        lock (_gate)
        {
            return _subscriptions.Contains(prefixedUri);
        }
    }

    public IReadOnlyList<string> TakeSubscriptions()
    {
        lock (_gate)
        {
            var all = _subscriptions.ToArray();
            _subscriptions.Clear();
            return all;
        }
    }
}
