using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.Api.Http;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.InputRequests;
using OneMcp.Application.Gateway.Listening;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Application.Health.Queries;
using OneMcp.Infrastructure.Clients;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Mcp;

/// <summary>
/// Hosts the gateway's MCP endpoints with the SDK: every session gets handlers bound to its own
/// <see cref="GatewaySession"/>, which delegate to the engine. Clients of both protocol eras share
/// <c>/mcp</c>: an <c>initialize</c> client gets a session, a 2026-07-28 request is served alone with a
/// <see cref="GatewaySession"/> of its own that ends with it (ADR 0022).
/// </summary>
internal static partial class GatewayMcp
{
    internal const string LogCategory = "OneMcp.Api.Mcp";
    private const string SessionKey = "onemcp.session";
    private const string LiveSessionKey = "onemcp.live-session";
    private const string DiscoverMethod = "server/discover";

    /// <summary>Who answers: named in every 2026-07-28 result's <c>_meta</c>, and in <c>initialize</c>.</summary>
    internal static readonly Implementation ServerInfo = new() { Name = "onemcp", Version = GetHealthHandler.Version };

    public static IServiceCollection AddGatewayMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<LiveSessions>();
        services.AddSingleton<LegacySseSessions>();
        services
            .AddMcpServer(options => options.ServerInfo = ServerInfo)
            // Malformed fields are the client's error (-32602 naming the field), not a failure deep in deserialization.
            .WithMessageFilters(filters => filters.AddIncomingFilter(next => (context, ct) =>
            {
                if (context.JsonRpcMessage is JsonRpcRequest request)
                {
                    RequestParamsCheck.Enforce(request.Method, request.Params);
                }

                return next(context, ct);
            }))
            .WithHttpTransport(options =>
            {
                // Sessions for initialize clients (list_changed and backend-to-client requests need one), and
                // 2026-07-28 requests, which have no session, served one by one on the same endpoint.
                options.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
#pragma warning disable MCP9004 // Legacy SSE is deprecated, and still what older clients speak.
                options.EnableLegacySse = true;
#pragma warning restore MCP9004
                options.ConfigureSessionOptions = ConfigureSessionAsync;
#pragma warning disable MCPEXP002 // The SDK keeps no list of sessions; this hook is how the gateway tracks them.
                options.RunSessionHandler = RunSessionAsync;
#pragma warning restore MCPEXP002
            });
        return services;
    }

    public static void MapGatewayMcp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMcp(GatewayRoutes.Mcp);
        endpoints.MapMcp(GatewayRoutes.PerServer); // One backend, original names: SessionFilterMiddleware picks it (ADR 0025).
    }

    private static Task ConfigureSessionAsync(HttpContext http, McpServerOptions options, CancellationToken cancellationToken)
    {
        var engine = http.RequestServices.GetRequiredService<GatewayEngine>();
        var accessor = http.RequestServices.GetRequiredService<IHttpContextAccessor>();
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        var perRequest = ProtocolEra.IsPerRequest(http.Request.Headers[McpHeaders.ProtocolVersion]);
        var session = NewSession(http, perRequest);
        http.Items[SessionKey] = session;

        // Built from every visible backend, and shown by initialize and server/discover only: a 2026-07-28 request names
        // its method in the Mcp-Method header (the SDK refuses one whose body names another), so the others skip it.
        var method = http.Request.Headers[McpHeaders.Method].ToString();
        if (!perRequest || method.Length == 0 || method == DiscoverMethod)
        {
            options.ServerInstructions = engine.BuildInstructions(session);
        }

        options.Capabilities = new ServerCapabilities
        {
            Tools = new ToolsCapability { ListChanged = true },
            Resources = new ResourcesCapability { ListChanged = true, Subscribe = true },
            Prompts = new PromptsCapability { ListChanged = true },
            Completions = new CompletionsCapability(),
            Logging = new LoggingCapability(),
        };

        var handlers = options.Handlers;
        handlers.ListToolsHandler = (request, _) => ValueTask.FromResult(engine.ListTools(session, request.Params?.Cursor));
        handlers.ListResourcesHandler = (request, _) => ValueTask.FromResult(engine.ListResources(session, request.Params?.Cursor));
        handlers.ListResourceTemplatesHandler = (request, _) => ValueTask.FromResult(engine.ListResourceTemplates(session, request.Params?.Cursor));
        handlers.ListPromptsHandler = (request, _) => ValueTask.FromResult(engine.ListPrompts(session, request.Params?.Cursor));
        if (perRequest)
        {
            // A 2026-07-28 client answers a backend's questions by retrying the request (MRTR).
            var bridge = http.RequestServices.GetRequiredService<InputRequiredBridge>();
            handlers.CallToolHandler = (request, ct) => ForwardAsync(accessor, logger, c => bridge.RunAsync(
                BridgedRequest.For(session, new ClientPeer(request.Server), request, Required(request.Params).Name, request.Params.Arguments), (peer, cc) => engine.CallToolAsync(session, peer, request.Params, cc), c), ct);
            handlers.ReadResourceHandler = (request, ct) => ForwardAsync(accessor, logger, c => bridge.RunAsync(
                BridgedRequest.For(session, new ClientPeer(request.Server), request, Required(request.Params).Uri, null), (peer, cc) => engine.ReadResourceAsync(session, peer, request.Params, cc), c), ct);
            handlers.GetPromptHandler = (request, ct) => ForwardAsync(accessor, logger, c => bridge.RunAsync(
                BridgedRequest.For(session, new ClientPeer(request.Server), request, Required(request.Params).Name, request.Params.Arguments), (peer, cc) => engine.GetPromptAsync(session, peer, request.Params, cc), c), ct);
        }
        else
        {
            handlers.CallToolHandler = (request, ct) => ForwardAsync(accessor, logger, c => engine.CallToolAsync(session, new ClientPeer(request.Server), Required(request.Params), c), ct);
            handlers.ReadResourceHandler = (request, ct) => ForwardAsync(accessor, logger, c => engine.ReadResourceAsync(session, new ClientPeer(request.Server), Required(request.Params), c), ct);
            handlers.GetPromptHandler = (request, ct) => ForwardAsync(accessor, logger, c => engine.GetPromptAsync(session, new ClientPeer(request.Server), Required(request.Params), c), ct);
        }

        handlers.CompleteHandler = (request, ct) => ForwardAsync(accessor, logger, c => engine.CompleteAsync(session, new ClientPeer(request.Server), Required(request.Params), c), ct);
        handlers.SubscribeToResourcesHandler = async (request, ct) =>
        {
            await engine.SubscribeAsync(session, Required(request.Params).Uri, ct);
            return new EmptyResult();
        };
        handlers.UnsubscribeFromResourcesHandler = async (request, ct) =>
        {
            await engine.UnsubscribeAsync(session, Required(request.Params).Uri, ct);
            return new EmptyResult();
        };
        handlers.SetLoggingLevelHandler = (request, _) =>
        {
            // Per session: one client's level never changes what another client or the gateway logs.
            session.LogLevel = Required(request.Params).Level;
            return ValueTask.FromResult(new EmptyResult());
        };
        if (perRequest)
        {
            // 2026-07-28: a request names its log level in its _meta, and subscriptions/listen streams notifications.
            options.Filters.Message.IncomingFilters.Add(next => (context, ct) => { session.TakeLogLevelFrom((context.JsonRpcMessage as JsonRpcRequest)?.Params); return next(context, ct); });
            var listening = http.RequestServices.GetRequiredService<ListenService>();
            var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            handlers.SubscriptionsListenHandler = (request, ct) => ForwardAsync(accessor, logger, c => listening.ListenAsync(session, new ClientPeer(request.Server), request.JsonRpcRequest.Id, Required(request.Params).Notifications, stopping, c), ct);
        }
        else
        {
            // A session's tools/list is written from the list serialized once (ADR 0035).
            options.Filters.Message.IncomingFilters.Add(SerializedToolLists.For(engine, session));
            if (GatewayRoutes.IsStreamablePost(http.Request))
            {
                // Its calls may be answered outside the SDK (ADR 0038); the client's cancellations reach them from here.
                var live = new LiveSession(session, http.User, http.RequestServices.GetRequiredService<LiveSessions>());
                http.Items[LiveSessionKey] = live;
                options.Filters.Message.IncomingFilters.Add(next => (context, ct) =>
                {
                    if (context.JsonRpcMessage is JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled)
                    {
                        live.Cancelled(cancelled.Params);
                    }

                    return next(context, ct);
                });
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The gateway's session for the request that opens one, or for one 2026-07-28 request: the URL's filter (and
    /// backend), the token's grant and user, read once here.
    /// </summary>
    internal static GatewaySession NewSession(HttpContext http, bool perRequest)
    {
        var subject = http.User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
        return new GatewaySession(GatewaySession.NewId(), SessionFilterMiddleware.FilterOf(http))
        {
            PerRequest = perRequest,
            OnlyBackend = SessionFilterMiddleware.BackendOf(http),
            Grant = ScopeGrants.For(http),
            Actor = HttpCurrentUser.Of(http.User),
            // Hashed once per session: spans and logs name no user and carry no token.
            UserHash = subject is null ? null : Application.Diagnostics.GatewayTelemetry.HashUser(subject),
        };
    }

    private static async Task RunSessionAsync(HttpContext http, McpServer server, CancellationToken cancellationToken)
    {
        // The initializing request's scope ends long before the session does: resolve what is needed now.
        var services = http.RequestServices;
        var registry = services.GetRequiredService<SessionRegistry>();
        var subscriptions = services.GetRequiredService<ResourceSubscriptions>();
        var pool = services.GetRequiredService<IBackendPool>();
        var session = (GatewaySession)http.Items[SessionKey]!;
        if (server.SessionId is null)
        {
            // A 2026-07-28 request: it is judged alone and nothing of it outlives it, so it is neither
            // registered for notifications nor owned; its answer, progress and logs go on its own stream.
            session.Attach(new ClientPeer(server));
            await server.RunAsync(cancellationToken);
            return;
        }

        // Whose session it is, first: a legacy SSE client knows its session id (and so may a forger) before it runs.
        var owners = services.GetService<SessionOwners>();
        var subject = http.User.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
        if (owners is not null && subject is not null && server.SessionId is { } sessionId)
        {
            owners.Set(sessionId, subject, session);
        }

        session.Attach(new ClientPeer(server));
        registry.Add(session);
        var live = http.Items[LiveSessionKey] as LiveSession;
        var liveSessions = live is null ? null : services.GetRequiredService<LiveSessions>();
        var legacy = GatewayRoutes.IsStreamablePost(http.Request) ? null : services.GetRequiredService<LegacySseSessions>();
        legacy?.Started(http, server.SessionId, cancellationToken);
        try
        {
            // Then recorded for the other replicas (ADR 0031), before the session answers anything.
            await using var owned = await services.GetRequiredService<Infrastructure.Replication.SessionDirectory>().OwnAsync(server.SessionId, cancellationToken);
            if (live is not null)
            {
                live.Server = server;
                liveSessions!.Add(server.SessionId, live);
            }

            await server.RunAsync(cancellationToken);
        }
        finally
        {
            legacy?.Ended(server.SessionId);
            liveSessions?.Remove(server.SessionId);
            registry.Remove(session.Id, out _);
            if (owners is not null && server.SessionId is { } endedId)
            {
                owners.Remove(endedId);
            }

            await subscriptions.ReleaseSessionAsync(session, pool, CancellationToken.None);
        }
    }

    /// <summary>
    /// Runs a forwarded request. A streamable HTTP client that drops the POST of a request can never receive
    /// its answer (the gateway keeps no event store to resume from), so the backend's work is cancelled
    /// rather than left running.
    /// </summary>
    private static async ValueTask<T> ForwardAsync<T>(IHttpContextAccessor accessor, ILogger logger, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var http = accessor.HttpContext;
        using var linked = http is not null && GatewayRoutes.IsStreamablePost(http.Request)
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, http.RequestAborted)
            : null;
        return await ForwardAsync(logger, call, linked?.Token ?? cancellationToken);
    }

    /// <summary>
    /// Errors meant for the client pass through; anything else is logged here, once and without the request's
    /// arguments, and the client gets a generic internal error. An <c>input_required</c> answer (MRTR) is an
    /// answer, not an error.
    /// </summary>
    internal static async ValueTask<T> ForwardAsync<T>(ILogger logger, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (Exception e) when (IsUnexpected(e))
        {
            throw Unexpected(logger, e);
        }
    }

    /// <summary>
    /// <see cref="ForwardAsync{T}(ILogger, Func{CancellationToken, ValueTask{T}}, CancellationToken)"/> for a call already
    /// started (by an async method, which throws nothing before it returns): no delegate or closure per call.
    /// </summary>
    internal static async ValueTask<T> GuardAsync<T>(ILogger logger, ValueTask<T> call)
    {
        try
        {
            return await call;
        }
        catch (Exception e) when (IsUnexpected(e))
        {
            throw Unexpected(logger, e);
        }
    }

    private static bool IsUnexpected(Exception e) => e is not McpProtocolException and not InputRequiredException and not OperationCanceledException;

    private static McpProtocolException Unexpected(ILogger logger, Exception e)
    {
        LogUnexpected(logger, e);
        return new McpProtocolException("The gateway failed to handle the request.", McpErrorCode.InternalError);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure while forwarding a request")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure of a request; its client was answered with an internal error")]
    internal static partial void LogUnanswered(ILogger logger, Exception exception);

    private static T Required<T>(T? parameters) where T : class =>
        parameters ?? throw new McpProtocolException("The request has no parameters.", McpErrorCode.InvalidParams);
}
