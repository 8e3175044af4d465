using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Audit;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Application.Diagnostics;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway;

/// <summary>
/// The MCP data plane: merges what the backends offer into what one session sees, and routes each
/// request to the backend that owns it. Lists come from cached capabilities (no fan-out per request).
/// </summary>
public sealed partial class GatewayEngine(
    IBackendPool pool, CapabilityCatalog catalog, InFlightRequests inFlight, ResourceSubscriptions subscriptions, IAuditLog audit, TimeProvider time,
    GatewayTelemetry? telemetry = null, ILogger<GatewayEngine>? logger = null, IPerUserBackends? perUser = null, MyConnectionsLink? myConnections = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<GatewayEngine>.Instance;
    private readonly CallerConnections _connections = new(perUser, myConnections);
    private readonly MergedToolLists _toolLists = new();
    private readonly CallAudit _audit = new(audit, time);

    /// <summary>
    /// The tools the session sees. A session's answer is shared with every session that sees the same backend lists
    /// (<see cref="MergedToolLists"/>), and must not be changed; a 2026-07-28 request's carries its own cache hints.
    /// </summary>
    public ListToolsResult ListTools(GatewaySession session, string? cursor)
    {
        RejectCursor(cursor);
        var parts = new List<ExposedCapabilities>();
        foreach (var backend in VisibleBackends(session))
        {
            parts.Add(catalog.For(backend, session));
        }

        return session.PerRequest
            ? CachePolicy.ForList(session, MergedToolLists.Merge(parts))
            : _toolLists.For(parts);
    }

    public ListResourcesResult ListResources(GatewaySession session, string? cursor)
    {
        RejectCursor(cursor);
        var resources = new List<Resource>();
        foreach (var backend in VisibleBackends(session))
        {
            if (_connections.AccountListsOf(session, backend) is { } source)
            {
                resources.AddRange(catalog.For(source, session).Resources);
            }
        }

        return CachePolicy.ForList(session, new ListResourcesResult { Resources = resources });
    }

    public ListResourceTemplatesResult ListResourceTemplates(GatewaySession session, string? cursor)
    {
        RejectCursor(cursor);
        var templates = new List<ResourceTemplate>();
        foreach (var backend in VisibleBackends(session))
        {
            if (_connections.AccountListsOf(session, backend) is { } source)
            {
                templates.AddRange(catalog.For(source, session).ResourceTemplates);
            }
        }

        return CachePolicy.ForList(session, new ListResourceTemplatesResult { ResourceTemplates = templates });
    }

    public ListPromptsResult ListPrompts(GatewaySession session, string? cursor)
    {
        RejectCursor(cursor);
        var prompts = new List<Prompt>();
        foreach (var backend in VisibleBackends(session))
        {
            if (_connections.AccountListsOf(session, backend) is { } source)
            {
                prompts.AddRange(catalog.For(source, session).Prompts);
            }
        }

        return CachePolicy.ForList(session, new ListPromptsResult { Prompts = prompts });
    }

    public async ValueTask<CallToolResult> CallToolAsync(GatewaySession session, IClientPeer caller, CallToolRequestParams request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        string? audited = null;
        string? auditedName = request.Name;
        string? credentials = null;
        try
        {
            if (!TryResolve(session, request.Name, out var backend, out var toolName)
                || !CapabilityCatalog.IsToolExposed(backend, toolName))
            {
                throw GatewayErrors.UnknownTool(request.Name);
            }

            (audited, auditedName) = (backend.Name.Value, toolName);

            credentials = CallAudit.CredentialsOf(backend);
            var progress = request.ProgressToken is { } token ? new CallerProgress(caller, token, _logger) : null;
            CallToolResult result;

            // In flight from before the connection is looked up: a user's own instance of a per-user backend, started by
            // this call, may ask its client something (roots) as it starts, and this call's client is the one to ask.
            using (inFlight.Enter(backend.Name, session, caller))
            {
                for (var attempt = 0; ; attempt++)
                {
                    IBackendConnection connection;
                    try
                    {
                        connection = await _connections.ForCallerAsync(session, caller, backend, cancellationToken);
                    }
                    catch (Exception e) when (_connections.Refusal(e) is { } refusal)
                    {
                        // Not connected (or no room for one more user): an answer the model can read and pass on to the user.
                        _audit.Record(session, AuditKinds.ToolCall, audited, auditedName, started, CallerConnections.RefusalCode(e), credentials);
                        return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = refusal }] };
                    }

                    try
                    {
                        result = await ObserveAsync(RequestMethods.ToolsCall, backend, toolName, session, request.Meta, (connection, toolName, request.Arguments, progress), static (meta, call, ct) =>
                        {
                            var forwarded = new CallToolRequestParams { Name = call.toolName, Arguments = call.Arguments, Meta = ForwardedMeta.WithoutProgressToken(meta) };
                            return call.progress is null
                                ? call.connection.CallToolAsync(forwarded, null, ct)
                                : CallReportingProgressAsync(call.connection, forwarded, call.progress, ct);
                        }, cancellationToken);
                        break;
                    }
                    catch (UserConnectionRequiredException) when (attempt == 0)
                    {
                        // The user's own connection lost its authorization at the backend with this call (tokens withdrawn
                        // there): nothing was sent. Looked up again, it tells the caller to connect again, as a first call
                        // of a user who never connected is told, and a caller who then connects gets the call's answer.
                    }
                }
            }

            if (session.OnlyBackend is null)
            {
                AnsweredResourceUris.Prefix(backend.Name, result.Content);
            }

            // A tool's own failure is an answer, not a protocol error; the audit log still counts it as one.
            _audit.Record(session, AuditKinds.ToolCall, audited, auditedName, started, result.IsError == true ? "tool_error" : null, credentials);
            return result;
        }
        catch (Exception e)
        {
            _audit.Record(session, AuditKinds.ToolCall, audited, auditedName, started, CallAudit.ErrorCode(e), credentials);
            throw;
        }
    }

    public async ValueTask<ReadResourceResult> ReadResourceAsync(GatewaySession session, IClientPeer caller, ReadResourceRequestParams request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        string? audited = null;
        string? auditedName = request.Uri;
        string? credentials = null;
        try
        {
            if (!TryResolve(session, request.Uri, out var backend, out var uri))
            {
                throw GatewayErrors.UnknownResource(request.Uri);
            }

            (audited, auditedName) = (backend.Name.Value, uri);

            credentials = CallAudit.CredentialsOf(backend);
            ReadResourceResult result;
            using (inFlight.Enter(backend.Name, session, caller))
            {
                var connection = await _connections.ForAsync(session, backend, cancellationToken);
                result = await ObserveAsync(RequestMethods.ResourcesRead, backend, uri, session, request.Meta, (connection, uri),
                    static (meta, read, ct) => read.connection.ReadResourceAsync(new ReadResourceRequestParams { Uri = read.uri, Meta = meta }, ct), cancellationToken);
            }

            // Contents name the URI the client asked for, so it can match them to its request. A content without a URI
            // of its own is the content of the resource read (an empty reference names its base, RFC 3986 5.2.2): it
            // gets the URI the client read, which the client can read again (the backend's "" could not be).
            if (session.OnlyBackend is null)
            {
                foreach (var content in result.Contents)
                {
                    content.Uri = string.IsNullOrEmpty(content.Uri) ? request.Uri : CapabilityName.Compose(backend.Name, content.Uri);
                }
            }

            _audit.Record(session, AuditKinds.ResourceRead, audited, auditedName, started, null, credentials);
            return CachePolicy.ForRead(session, result);
        }
        catch (Exception e)
        {
            var refused = _connections.RequestRefusal(e);
            _audit.Record(session, AuditKinds.ResourceRead, audited, auditedName, started, CallAudit.ErrorCode(refused ?? e), credentials);
            if (refused is not null)
            {
                throw refused;
            }

            throw;
        }
    }

    public async ValueTask<GetPromptResult> GetPromptAsync(GatewaySession session, IClientPeer caller, GetPromptRequestParams request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        string? audited = null;
        string? auditedName = request.Name;
        string? credentials = null;
        try
        {
            if (!TryResolve(session, request.Name, out var backend, out var name))
            {
                throw GatewayErrors.UnknownPrompt(request.Name);
            }

            (audited, auditedName) = (backend.Name.Value, name);

            credentials = CallAudit.CredentialsOf(backend);
            GetPromptResult result;
            using (inFlight.Enter(backend.Name, session, caller))
            {
                var connection = await _connections.ForAsync(session, backend, cancellationToken);
                result = await ObserveAsync(RequestMethods.PromptsGet, backend, name, session, request.Meta, (connection, name, request.Arguments),
                    static (meta, get, ct) => get.connection.GetPromptAsync(new GetPromptRequestParams { Name = get.name, Arguments = get.Arguments, Meta = meta }, ct),
                    cancellationToken);
            }

            if (session.OnlyBackend is null)
            {
                foreach (var message in result.Messages)
                {
                    AnsweredResourceUris.Prefix(backend.Name, message.Content);
                }
            }

            _audit.Record(session, AuditKinds.PromptGet, audited, auditedName, started, null, credentials);
            return result;
        }
        catch (Exception e)
        {
            var refused = _connections.RequestRefusal(e);
            _audit.Record(session, AuditKinds.PromptGet, audited, auditedName, started, CallAudit.ErrorCode(refused ?? e), credentials);
            if (refused is not null)
            {
                throw refused;
            }

            throw;
        }
    }

    public async ValueTask<CompleteResult> CompleteAsync(GatewaySession session, IClientPeer caller, CompleteRequestParams request, CancellationToken cancellationToken)
    {
        Reference forwardedRef;
        IBackendConnection? backend;
        switch (request.Ref)
        {
            case PromptReference prompt:
                if (!TryResolve(session, prompt.Name, out backend, out var promptName))
                {
                    throw GatewayErrors.UnknownPrompt(prompt.Name);
                }

                forwardedRef = new PromptReference { Name = promptName, Title = prompt.Title };
                break;
            case ResourceTemplateReference template when template.Uri is not null:
                if (!TryResolve(session, template.Uri, out backend, out var templateUri))
                {
                    throw GatewayErrors.UnknownResource(template.Uri);
                }

                forwardedRef = new ResourceTemplateReference { Uri = templateUri };
                break;
            default:
                throw GatewayErrors.InvalidReference("completion/complete needs a 'ref/prompt' or 'ref/resource' reference.");
        }

        if (!backend.Capabilities.SupportsCompletions)
        {
            // The spec lets a server without completions answer with no values; clients then just offer none.
            return new CompleteResult { Completion = new Completion { Values = [] } };
        }

        using var _ = inFlight.Enter(backend.Name, session, caller);
        try
        {
            var connection = await _connections.ForAsync(session, backend, cancellationToken);
            return await ObserveAsync(RequestMethods.CompletionComplete, backend, forwardedRef is PromptReference p ? p.Name : ((ResourceTemplateReference)forwardedRef).Uri ?? string.Empty,
                session, request.Meta, (connection, forwardedRef, request.Argument, request.Context),
                static (meta, complete, ct) => complete.connection.CompleteAsync(
                    new CompleteRequestParams { Ref = complete.forwardedRef, Argument = complete.Argument, Context = complete.Context, Meta = meta }, ct),
                cancellationToken);
        }
        catch (Exception e) when (_connections.RequestRefusal(e) is { } refused)
        {
            throw refused;
        }
    }

    public async ValueTask SubscribeAsync(GatewaySession session, string exposedUri, CancellationToken cancellationToken)
    {
        if (!TryResolve(session, exposedUri, out var backend, out var uri))
        {
            throw GatewayErrors.UnknownResource(exposedUri);
        }

        if (!backend.Capabilities.SupportsResourceSubscribe)
        {
            throw GatewayErrors.NotSupported(backend.Name.Value, "resource subscriptions");
        }

        try
        {
            var connection = await _connections.ForAsync(session, backend, cancellationToken);
            await subscriptions.SubscribeAsync(session, connection, uri, ResourceSubscriptions.KeyOf(session, exposedUri)!, cancellationToken);
        }
        catch (Exception e) when (_connections.RequestRefusal(e) is { } refused)
        {
            throw refused;
        }
    }

    public async ValueTask UnsubscribeAsync(GatewaySession session, string exposedUri, CancellationToken cancellationToken)
    {
        if (!TryResolve(session, exposedUri, out var backend, out var uri))
        {
            // Reconnecting, removed, or out of the session's sight: a resource the session follows is let go all the same
            // (kept, it would be subscribed again once the backend is back, and its updates would reach the client).
            await subscriptions.UnsubscribeUnreachableAsync(session, pool, exposedUri, cancellationToken);
            return;
        }

        try
        {
            var connection = await _connections.ForAsync(session, backend, cancellationToken);
            await subscriptions.UnsubscribeAsync(session, connection, uri, ResourceSubscriptions.KeyOf(session, exposedUri)!, cancellationToken);
        }
        catch (Exception e) when (_connections.RequestRefusal(e) is { } refused)
        {
            throw refused;
        }
    }

    public IEnumerable<IBackendConnection> VisibleBackends(GatewaySession session)
    {
        foreach (var backend in pool.Backends)
        {
            if (session.CanSee(backend))
            {
                yield return backend;
            }
        }
    }

    /// <summary>The backend a name the session sent belongs to, and the backend's own name for it.</summary>
    private bool TryResolve(
        GatewaySession session,
        string? prefixed,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IBackendConnection? backend,
        out string name)
    {
        backend = null;
        IBackendConnection? candidate;
        if (session.OnlyBackend is { } only)
        {
            // /mcp/<server>: the name is the backend's own, and no other backend can be named.
            name = prefixed ?? string.Empty;
            if (name.Length == 0 || !pool.TryGet(only, out candidate) || !session.CanSee(candidate))
            {
                return false;
            }
        }
        else if (!CapabilityName.TryParse(prefixed, out var server, out name)
            || !pool.TryGet(server, out candidate)
            || !session.CanSee(candidate))
        {
            return false;
        }

        backend = candidate;
        return true;
    }

    private static async ValueTask<CallToolResult> CallReportingProgressAsync(
        IBackendConnection connection, CallToolRequestParams forwarded, CallerProgress progress, CancellationToken cancellationToken)
    {
        var answer = await connection.CallToolAsync(forwarded, progress, cancellationToken);

        // Progress must not arrive after the result it reports on.
        await progress.FlushAsync();
        return answer;
    }

    /// <summary>
    /// Forwards one request with its span (the gateway's, and the backend call's child carrying the trace context
    /// on in <c>_meta</c>) and its metrics. Never the arguments: only method, backend, name and outcome are recorded.
    /// </summary>
    /// <remarks>What the request needs travels as <paramref name="state"/> to a static <paramref name="forward"/>: no closure per request.</remarks>
    private ValueTask<T> ObserveAsync<TState, T>(
        string method, IBackendConnection backend, string target, GatewaySession session, JsonObject? meta,
        TState state, Func<JsonObject?, TState, CancellationToken, ValueTask<T>> forward, CancellationToken cancellationToken)
    {
        meta = ForwardedMeta.WithoutHopKeys(meta);
        return telemetry is null || !telemetry.IsActive
            ? forward(meta, state, cancellationToken)
            : MeasureAsync(telemetry, method, backend, target, session, meta, state, forward, cancellationToken);
    }

    private static async ValueTask<T> MeasureAsync<TState, T>(
        GatewayTelemetry telemetry, string method, IBackendConnection backend, string target, GatewaySession session, JsonObject? meta,
        TState state, Func<JsonObject?, TState, CancellationToken, ValueTask<T>> forward, CancellationToken cancellationToken)
    {
        var started = telemetry.Time.GetTimestamp();
        var backendName = backend.Name.Value;
        using var span = GatewayTelemetry.StartRequest(method, backendName, target, session, GatewayTelemetry.ParentFrom(meta));
        var outcome = GatewayTelemetry.Outcomes.Error;
        try
        {
            T result;
            using (var call = GatewayTelemetry.StartBackendCall(method, backendName))
            {
                result = await forward(GatewayTelemetry.WithTraceContext(meta, call), state, cancellationToken);
            }

            outcome = result is CallToolResult { IsError: true } ? GatewayTelemetry.Outcomes.ToolError : GatewayTelemetry.Outcomes.Ok;
            return result;
        }
        catch (OperationCanceledException)
        {
            outcome = GatewayTelemetry.Outcomes.Cancelled;
            throw;
        }
        finally
        {
            telemetry.Record(method, backendName, outcome, telemetry.Time.GetElapsedTime(started), span);
        }
    }

    private static void RejectCursor(string? cursor)
    {
        if (cursor is not null)
        {
            throw GatewayErrors.InvalidCursor();
        }
    }
}
