using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using OneMcp.Api.Auth;
using OneMcp.Api.Dashboard;
using OneMcp.Api.Endpoints;
using OneMcp.Api.Health;
using OneMcp.Api.Http;
using OneMcp.Api.Mcp;
using OneMcp.Api.Security;
using OneMcp.Infrastructure.Diagnostics;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Persistence.DataProtection;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Api;

/// <summary>Builds the gateway's web application from resolved options; used by the CLI and by tests.</summary>
public static partial class GatewayApp
{
    public static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // The gateway reads no appsettings.json: nothing to watch (the watch alone walks every folder under the
            // content root at start and holds an inotify watch on each).
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.WebHost.UseUrls(options.PublicUrlForBinding());
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Services.Configure<SocketTransportOptions>(o => o.CreateBoundListenSocket = ClientConnectionKeepAlive.CreateListenSocket);
        builder.Logging.AddGatewayConsole(options.LogLevel, options.LogFormat);

        builder.Services.AddGatewayServices(options, Environment.GetEnvironmentVariable);
        builder.Services.AddSingleton(new HostGuard(options.Host, options.ExternalUrl, openOAuthEndpoints: options.EnableAuth));
        builder.Services.AddGatewayMcp();
        builder.Services.AddProblemDetails();
        builder.Services.AddControlPlaneApi();
        if (options.EnableAuth)
        {
            builder.Services.AddGatewayAuth(options, AuthPages.RateLimitedAsync);
            builder.Services.AddOAuthCrossOrigin();
        }

        configure?.Invoke(builder);

        // Last: every AddDataProtection above registered the framework's key ring load before start.
        builder.Services.LoadKeyRingAfterStart();

        var app = builder.Build();
        if (!options.EnableAuth && options.BindsNetwork)
        {
            // Said at every start, not once: whoever reads the log later must see that the door is open.
            LogInsecureNetwork(app.Logger, options.Host);
        }

        app.UseSecurityHeaders(); // First: every answer, whoever writes it (nosniff; no framing of a page).
        app.UseMiddleware<SessionRelayMiddleware>(options.EnableAuth);
        var guard = app.Services.GetRequiredService<HostGuard>();
        app.Use((context, next) => guard.InvokeAsync(context, next));
        if (options.EnableAuth)
        {
            // Right after the Host rule: a preflight is answered before the rate limits, and every answer of these
            // endpoints (a 429 or a 503 too) is readable by the page that asked.
            app.UseOAuthCrossOrigin();
        }

        app.UseMiddleware<Infrastructure.Persistence.DatabaseAvailabilityMiddleware>((Func<PathString, bool>)JsonRpcErrors.IsMcpPath, (Func<HttpContext, string, Task>)AuthPages.UnavailableAsync);
        if (options.EnableAuth)
        {
            app.UseGatewayAuth(options);
        }

        app.UseControlPlaneApi();
        app.UseMiddleware<McpRequestLimits>(options.MaxRequestBodyBytes);
        app.UseMiddleware<SessionFilterMiddleware>();
        app.UseMiddleware<MissingSessionIds>(); // A GET, DELETE or non-initialize POST without a session id is told what to send (not the SDK's settings).
        app.UseMiddleware<SessionDeletes>(); // A DELETE of a session not held here is 404, as any request for it (ADR 0047).
        app.UseMiddleware<PerRequestCalls>(); // 2026-07-28 calls, reads and prompts, answered without the SDK's per-request server (ADR 0036).
        app.UseMiddleware<SessionCalls>(); // Calls, reads and prompts in a streamable HTTP session, answered without the SDK's server (ADR 0038).
        app.UseRouting();
        app.UseAdminOnly();
        app.MapHealth();
        app.MapGatewayMetrics(options);
        app.MapGatewayMcp();
        app.MapControlPlaneApi();
        app.MapBackendOAuthCallback();
        app.MapDashboard();
        if (options.EnableAuth)
        {
            app.MapGatewayAuth();
        }

        return app;
    }

    private static string PublicUrlForBinding(this ServeOptions options) => $"http://{options.HostInUrl}:{options.Port}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "SECURITY: the gateway listens on {Host}, beyond this machine, WITHOUT authentication (--allow-insecure-network): anyone who reaches the port can call every backend and add backends that run commands on this host. Use --enable-auth, or bind to 127.0.0.1.")]
    private static partial void LogInsecureNetwork(ILogger logger, string host);
}
