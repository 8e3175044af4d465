using OneMcp.Api.Auth;
using OneMcp.Api.Cli;
using OneMcp.Api.Dashboard;
using OneMcp.Api.Endpoints;
using OneMcp.Api.Health;
using OneMcp.Api.Http;
using OneMcp.Api.Mcp;
using OneMcp.Api.Observability;
using OneMcp.Api.Security;
using OneMcp.Application;
using OneMcp.Infrastructure;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Api;

/// <summary>Builds the gateway's web application from resolved options; used by the CLI and by tests.</summary>
public static partial class GatewayApp
{
    public static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.WebHost.UseUrls(options.PublicUrlForBinding());
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        ConfigureLogging(builder.Logging, options.LogLevel, options.LogFormat);

        builder.Services.AddApplication();
        builder.Services.AddInfrastructure(new BackendHostOptions
        {
            ConfigPath = options.ConfigPath,
            AsyncLoading = options.AsyncLoading,
            InitialConfiguration = options.Configuration,
            Watcher = new McpConfigWatcherOptions { Debounce = options.ConfigReloadDebounce },
        }, new PersistenceOptions
        {
            ConnectionString = options.ConnectionString,
            DataDirectory = options.DataDirectory ?? ServeOptions.DefaultDataDirectory(Environment.GetEnvironmentVariable),
        }, new Infrastructure.Audit.AuditOptions { Enabled = options.AuditEnabled, Retention = options.AuditRetention });
        builder.Services.AddSingleton(new HostGuard(options.Host, options.ExternalUrl));
        builder.Services.AddGatewayObservability(options, Environment.GetEnvironmentVariable);
        builder.Services.AddGatewayMcp();
        builder.Services.AddProblemDetails();
        builder.Services.AddControlPlaneApi();
        if (options.EnableAuth)
        {
            builder.Services.AddGatewayAuth(options);
        }

        configure?.Invoke(builder);

        var app = builder.Build();
        if (!options.EnableAuth && options.BindsNetwork)
        {
            // Said at every start, not once: whoever reads the log later must see that the door is open.
            LogInsecureNetwork(app.Logger, options.Host);
        }

        var guard = app.Services.GetRequiredService<HostGuard>();
        app.Use((context, next) => guard.InvokeAsync(context, ctx => next(ctx)));
        if (options.EnableAuth)
        {
            app.UseGatewayAuth(options);
        }

        app.UseControlPlaneApi();
        app.UseMiddleware<McpRequestLimits>(options.MaxRequestBodyBytes);
        app.UseMiddleware<SessionFilterMiddleware>();
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

    private static string PublicUrlForBinding(this ServeOptions options)
    {
        var host = options.Host.Contains(':', StringComparison.Ordinal) && !options.Host.StartsWith('[') ? $"[{options.Host}]" : options.Host;
        return $"http://{host}:{options.Port}";
    }

    private static void ConfigureLogging(ILoggingBuilder logging, LogLevel level, LogFormat format)
    {
        logging.ClearProviders();
        if (format == LogFormat.Json)
        {
            // One object per line for log shippers; the scopes carry the trace and span ids of the current activity.
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
            logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        }

        logging.SetMinimumLevel(level);

        // The SDK and ASP.NET log every request at Information, and every error answered to a client (an
        // unknown tool, say) as a warning with a stack trace; at the default level that buries what matters.
        var frameworkLevel = level <= LogLevel.Debug ? level : LogLevel.Warning;
        // The gateway logs its own failures (OneMcp.*); the SDK would log every error answered to a client again.
        logging.AddFilter("ModelContextProtocol", level <= LogLevel.Debug ? level : LogLevel.Critical);
        logging.AddFilter("Microsoft.AspNetCore", frameworkLevel);
        // A failed start is reported by the CLI in one line ("onemcp: cannot start: ..."), and a stop requested
        // while backends were still starting is no failure at all; the host's own stack-trace log adds nothing.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        // OpenIddict logs every OAuth request it extracts at Information, and leaves the PKCE code_verifier in
        // clear: secrets never reach a log, so its own logs stop at warnings whatever the level asked for.
        logging.AddFilter("OpenIddict", level > LogLevel.Warning ? level : LogLevel.Warning);

        // Data Protection keeps the Microsoft.AspNetCore level: its warning about a key ring stored unencrypted must be seen.
        logging.AddFilter("Microsoft.Hosting", level <= LogLevel.Information ? LogLevel.Information : level);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SECURITY: the gateway listens on {Host}, beyond this machine, WITHOUT authentication (--allow-insecure-network): anyone who reaches the port can call every backend and add backends that run commands on this host. Use --enable-auth, or bind to 127.0.0.1.")]
    private static partial void LogInsecureNetwork(ILogger logger, string host);
}
