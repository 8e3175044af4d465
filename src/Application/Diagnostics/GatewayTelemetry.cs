using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Diagnostics;

/// <summary>
/// The gateway's traces and metrics (DESIGN §9 "Observability"), BCL only. With no listener (no OTLP endpoint,
/// no <c>--metrics</c>) an <see cref="ActivitySource"/> starts nothing and an instrument records nothing, so the
/// hot path pays a null check per request.
/// </summary>
public sealed class GatewayTelemetry
{
    /// <summary>The name of the gateway's <see cref="ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string Name = "OneMcp";

    /// <summary>Static: listeners subscribe to a source by name, so one per process is what they would see anyway.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Seconds; from a cached list answer to a slow tool call.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _tokensRefused;
    private readonly Counter<long> _sessionRelays;
    private readonly Counter<long> _changesFollowed;

    public GatewayTelemetry(IMeterFactory meters, IBackendPool pool, SessionRegistry sessions, TimeProvider time, Audit.IAuditLogStatistics? audit = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(sessions);

        // From the factory, not static: each gateway (several in one test process) has its own meter, and
        // /metrics reads only this one.
        _meter = meters.Create(Name);
        _requests = _meter.CreateCounter<long>("onemcp_requests_total", null, "MCP requests forwarded to a backend, by method, backend and outcome.");
        _duration = _meter.CreateHistogram("onemcp_request_duration_seconds", "s", "Duration of MCP requests forwarded to a backend.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _tokensIssued = _meter.CreateCounter<long>("onemcp_tokens_issued_total", null, "Access tokens issued by the token endpoint, by grant type.");
        _tokensRefused = _meter.CreateCounter<long>("onemcp_tokens_refused_total", null, "Token requests and bearer tokens refused, by where.");
        _sessionRelays = _meter.CreateCounter<long>("onemcp_session_relays_total", null, "Requests for a legacy session held by another replica, by outcome: relayed, owner_gone, refused.");
        _changesFollowed = _meter.CreateCounter<long>("onemcp_changes_followed_total", null,
            "Changes committed by other replicas that this replica followed from the change feed, by kind; kind=resynchronisation counts full re-reads of the store (after a lost listen connection or a failed reaction).");
        _meter.CreateObservableGauge("onemcp_backend_up", () => Each(pool, b => b.State.Status == BackendStatus.Connected ? 1 : 0),
            null, "1 while the backend is connected, else 0.");
        _meter.CreateObservableCounter("onemcp_backend_restarts_total", () => Each(pool, b => b.State.Restarts),
            null, "Restarts of the backend since the gateway started.");
        _meter.CreateObservableGauge("onemcp_sessions_active", () => sessions.Count, null, "Open MCP client sessions.");
        if (audit is not null)
        {
            _meter.CreateObservableCounter("onemcp_audit_dropped_total", () => audit.Dropped, null, "Audit entries dropped because the audit queue was full.");
        }
    }

    public TimeProvider Time { get; }

    /// <summary>False when nothing listens (no tracing, no metrics reader): the engine then forwards without measuring.</summary>
    public bool IsActive => _requests.Enabled || _duration.Enabled || Source.HasListeners();

    /// <summary>The meter, for a reader that must listen to this gateway's instruments only.</summary>
    public Meter Meter => _meter;

    /// <summary>ASP.NET Core's activity of an incoming request.</summary>
    private const string HttpRequestActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    /// <summary>
    /// Starts the gateway's span of one MCP request (null when nobody listens). <paramref name="parent"/> is the
    /// client's <c>_meta.traceparent</c>, which wins over the HTTP request's context when present.
    /// </summary>
    public static Activity? StartRequest(string method, string backend, string target, GatewaySession session, ActivityContext parent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        if (parent == default && Activity.Current is { Recorded: false, OperationName: HttpRequestActivity } request)
        {
            // The HTTP request's own span is not recorded on the MCP endpoints: this span continues the client's trace
            // (the traceparent header the request arrived with) or, without one, starts a trace of its own.
            if (request.ParentId is { } incoming && ActivityContext.TryParse(incoming, request.TraceStateString, isRemote: true, out var client))
            {
                parent = client;
            }
            else
            {
                Activity.Current = null;
            }
        }

        var activity = Source.StartActivity($"{method} {target}", ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mcp.method.name", method);
            activity.SetTag("onemcp.backend", backend);
            activity.SetTag(method == "resources/read" ? "mcp.resource.uri" : "onemcp.target", target);
            if (session.UserHash is { } user)
            {
                activity.SetTag("enduser.hash", user);
            }

            if (session.Actor.ClientId is { } client)
            {
                activity.SetTag("oauth.client_id", client);
            }
        }

        return activity;
    }

    /// <summary>Starts the child span of the call to the backend (null when nobody listens).</summary>
    public static Activity? StartBackendCall(string method, string backend)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity($"backend {method}", ActivityKind.Client);
        activity?.SetTag("mcp.method.name", method);
        activity?.SetTag("onemcp.backend", backend);
        return activity;
    }

    /// <summary>Records a finished request in the metrics and on its span.</summary>
    public void Record(string method, string backend, string outcome, TimeSpan elapsed, Activity? activity)
    {
        if (_requests.Enabled || _duration.Enabled)
        {
            var tags = new TagList { { "method", method }, { "backend", backend }, { "outcome", outcome } };
            _requests.Add(1, tags);
            _duration.Record(elapsed.TotalSeconds, tags);
        }

        if (activity is not null)
        {
            activity.SetTag("onemcp.outcome", outcome);
            if (outcome != Outcomes.Ok)
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome);
            }
        }
    }

    /// <summary>
    /// The client's <c>_meta.traceparent</c> when it names a trace other than the current one (the SDK, when its own
    /// source is listened to, already made it the parent); default (the current activity) otherwise.
    /// </summary>
    public static ActivityContext ParentFrom(JsonObject? meta)
    {
        if (meta is null || !meta.TryGetPropertyValue("traceparent", out var node) || node is not JsonValue value || !value.TryGetValue<string>(out var parent))
        {
            return default;
        }

        var state = meta.TryGetPropertyValue("tracestate", out var stateNode) && stateNode is JsonValue s && s.TryGetValue<string>(out var text) && IsHeaderSafe(text)
            ? text
            : null;
        return ActivityContext.TryParse(parent, state, isRemote: true, out var context) && context.TraceId != Activity.Current?.TraceId
            ? context
            : default;
    }

    // The client's tracestate becomes the backend span's, which goes into HTTP backends' headers: only what W3C trace
    // context allows there (printable ASCII, at most 512 characters) is kept. ActivityContext.TryParse takes any text,
    // CR and LF included, and the propagator's own check is all that would stand between them and a header line.
    private static bool IsHeaderSafe(string tracestate) =>
        tracestate.Length <= 512 && !tracestate.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E);

    /// <summary>
    /// The <c>_meta</c> to forward to a backend: the client's, with the backend span as <c>traceparent</c> (and its
    /// <c>tracestate</c>), so every backend, stdio ones too, continues the trace. Unchanged when nothing is traced.
    /// </summary>
    public static JsonObject? WithTraceContext(JsonObject? meta, Activity? span)
    {
        if (span is null || span.IdFormat != ActivityIdFormat.W3C)
        {
            return meta;
        }

        var copy = meta is null ? [] : (JsonObject)meta.DeepClone();
        copy["traceparent"] = span.Id;
        if (span.TraceStateString is { } state)
        {
            copy["tracestate"] = state;
        }
        else
        {
            copy.Remove("tracestate");
        }

        return copy;
    }

    public void TokenIssued(string grantType) => _tokensIssued.Add(1, new KeyValuePair<string, object?>("grant_type", grantType));

    public void TokenRefused(string where) => _tokensRefused.Add(1, new KeyValuePair<string, object?>("where", where));

    /// <summary>A request for another replica's legacy session: <c>relayed</c>, <c>owner_gone</c> or <c>refused</c> (ADR 0031).</summary>
    public void SessionRelay(string outcome) => _sessionRelays.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A change from another replica followed (ADR 0030), or a full resynchronisation when <paramref name="kind"/> is null.</summary>
    public void ChangeFollowed(Replication.GatewayChangeKind? kind) => _changesFollowed.Add(1, new KeyValuePair<string, object?>("kind", kind switch
    {
        null => "resynchronisation",
        Replication.GatewayChangeKind.Backends => "backends",
        Replication.GatewayChangeKind.BackendCredentials => "backend_credentials",
        Replication.GatewayChangeKind.Presets => "presets",
        Replication.GatewayChangeKind.TagScopes => "tag_scopes",
        Replication.GatewayChangeKind.Users => "users",
        Replication.GatewayChangeKind.OAuthTokens => "oauth_tokens",
        Replication.GatewayChangeKind.UserConnections => "user_connections",
        _ => "other",
    }));

    /// <summary>A short, stable, one-way pseudonym of a user id: spans can group by user without naming them.</summary>
    public static string HashUser(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(subject), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    private static IEnumerable<Measurement<int>> Each(IBackendPool pool, Func<IBackendConnection, int> value)
    {
        foreach (var backend in pool.Backends)
        {
            yield return new Measurement<int>(value(backend), new KeyValuePair<string, object?>("backend", backend.Name.Value));
        }
    }

    /// <summary>The <c>outcome</c> label's values.</summary>
    public static class Outcomes
    {
        public const string Ok = "ok";

        /// <summary>The backend answered a tool call with <c>isError: true</c>.</summary>
        public const string ToolError = "tool_error";

        /// <summary>The backend answered with a JSON-RPC error, or could not be reached.</summary>
        public const string Error = "error";

        public const string Cancelled = "cancelled";
    }
}
