using OneMcp.Api.Auth;
using OneMcp.Api.Cli;
using OneMcp.Api.Dashboard;
using OneMcp.Api.Endpoints;
using OneMcp.Api.Health;
using OneMcp.Api.Http;
using OneMcp.Api.Mcp;
using OneMcp.Api.Security;
using OneMcp.Application;
using OneMcp.Infrastructure;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Api;

/// <summary>Builds the gateway's web application from resolved options; used by the CLI and by tests.</summary>
public static class GatewayApp
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
        ConfigureLogging(builder.Logging, options.LogLevel);

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
        }, new Infrastructure.Audit.AuditOptions { Retention = options.AuditRetention });
        builder.Services.AddSingleton(new HostGuard(options.Host, options.ExternalUrl));
        builder.Services.AddGatewayMcp();
        builder.Services.AddProblemDetails();
        builder.Services.AddControlPlaneApi();
        if (options.EnableAuth)
        {
            builder.Services.AddGatewayAuth(options);
        }

        configure?.Invoke(builder);

        var app = builder.Build();
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

    private static void ConfigureLogging(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
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

        // The key ring's encryption is ours (ADR 0009), and unencrypted on PostgreSQL without the key: no start-up warning about it.
        logging.AddFilter("Microsoft.AspNetCore.DataProtection", level <= LogLevel.Debug ? level : LogLevel.Error);
        logging.AddFilter("Microsoft.Hosting", level <= LogLevel.Information ? LogLevel.Information : level);
    }
}
