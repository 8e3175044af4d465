using Microsoft.Extensions.Logging;

namespace OneMcp.Infrastructure.Diagnostics;

/// <summary>The gateway's console log: one line of text per entry, or one JSON object per line, and the filters that keep it readable.</summary>
public static class GatewayLogging
{
    /// <summary>ASP.NET Core's per-request log category.</summary>
    public const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static ILoggingBuilder AddGatewayConsole(this ILoggingBuilder logging, LogLevel level, LogFormat format)
    {
        ArgumentNullException.ThrowIfNull(logging);
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
        var warningOrAbove = level > LogLevel.Warning ? level : LogLevel.Warning;
        logging.AddFilter("OpenIddict", warningOrAbove);
        logging.AddFilter("System.Net.Http.HttpClient.OpenIddict", warningOrAbove);

        // ASP.NET Core's "Request starting" line carries the query string, and the answers of an identity provider and
        // of a backend's authorization server (/signin-oidc, /oauth/callback) carry an authorization code there: never
        // below warnings, whatever the level asked for. Everything else it logs is a request's start and end, at
        // Information too; but while the category is on at all, ASP.NET Core starts an activity and a log scope for
        // every request, so that log lines carry its trace and span ids. The JSON log shows them; the text log does
        // not, so there the category is off and a request costs neither (tracing, when on, starts its own).
        logging.AddFilter(HostingDiagnosticsCategory, format == LogFormat.Json ? warningOrAbove : LogLevel.None);

        // Data Protection keeps the Microsoft.AspNetCore level: its warning about a key ring stored unencrypted must be seen.
        logging.AddFilter("Microsoft.Hosting", level <= LogLevel.Information ? LogLevel.Information : level);
        return logging;
    }
}
