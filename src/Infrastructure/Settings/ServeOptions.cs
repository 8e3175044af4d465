using Microsoft.Extensions.Logging;
using OneMcp.Application.Authorization;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Diagnostics;

namespace OneMcp.Infrastructure.Settings;

/// <summary>The resolved settings of <c>onemcp serve</c> (flag, then ONEMCP_* variable, then default).</summary>
public sealed record ServeOptions
{
    public const int DefaultPort = 3050;
    public const string DefaultHost = "127.0.0.1";

    public string? ConfigPath { get; init; }
    public McpConfigParseResult? Configuration { get; init; }
    public int Port { get; init; } = DefaultPort;
    public string Host { get; init; } = DefaultHost;
    public Uri? ExternalUrl { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary><c>--log-format</c>: one line of text per entry, or one JSON object per line (with trace and span ids).</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary><c>--metrics</c>: serve Prometheus text at <c>/metrics</c>.</summary>
    public bool Metrics { get; init; }

    /// <summary><c>ONEMCP_METRICS_TOKEN</c>: a bearer a scraper may present at <c>/metrics</c> with auth on. A secret: never log it.</summary>
    public string? MetricsToken { get; init; }
    public bool AsyncLoading { get; init; }

    /// <summary>The largest request body accepted on the MCP endpoints.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Debounce of configuration file changes.</summary>
    public TimeSpan ConfigReloadDebounce { get; init; } = McpConfigWatcherOptions.DefaultDebounce;

    /// <summary>PostgreSQL connection string (<c>--database</c>); null keeps state in SQLite under <see cref="DataDirectory"/>. A secret: never log it.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Where the SQLite database lives (<c>--data-dir</c>); null means <see cref="DefaultDataDirectory"/>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary><c>$XDG_DATA_HOME/onemcp</c>, else <c>~/.local/share/onemcp</c> (on Windows, the local application data folder).</summary>
    public static string DefaultDataDirectory(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("XDG_DATA_HOME") is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg, "onemcp");
        }

        return OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "onemcp")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "onemcp");
    }

    /// <summary>Default access-token lifetime (<c>--session-ttl</c>).</summary>
    public static readonly TimeSpan DefaultSessionTtl = TimeSpan.FromMinutes(60);

    /// <summary><c>--enable-auth</c>: every MCP and REST request needs a bearer token issued by this gateway.</summary>
    public bool EnableAuth { get; init; }

    /// <summary>
    /// <c>--allow-insecure-network</c>: the operator means to serve a non-loopback address without
    /// <c>--enable-auth</c> (every REST action, adding backends that run commands included, is then open to the network).
    /// </summary>
    public bool AllowInsecureNetwork { get; init; }

    /// <summary>True when <see cref="Host"/> is reachable from other machines (anything but localhost and loopback addresses).</summary>
    public bool BindsNetwork => !Application.Security.HostPolicy.IsLoopback(Host);

    /// <summary><c>--enable-scope-validation</c>: tag scopes decide which backends a token reaches.</summary>
    public bool EnableScopeValidation { get; init; }

    public ScopeMatch ScopeMatch { get; init; } = ScopeMatch.All;

    /// <summary>Access-token lifetime (<c>--session-ttl</c>).</summary>
    public TimeSpan SessionTtl { get; init; } = DefaultSessionTtl;

    /// <summary>How long audit entries are kept (<c>--audit-retention-days</c>).</summary>
    public TimeSpan AuditRetention { get; init; } = TimeSpan.FromDays(Infrastructure.Audit.AuditOptions.DefaultRetentionDays);

    /// <summary>Whether calls, sign-ins and changes are audited (off with <c>--disable-audit</c>).</summary>
    public bool AuditEnabled { get; init; } = true;

    /// <summary>Sign-in with the team's identity provider (<c>--oidc-issuer</c> and the other <c>--oidc-*</c>); null when not configured.</summary>
    public OidcOptions? Oidc { get; init; }

    /// <summary><c>--disable-local-login</c>: only the identity provider signs people in; <c>onemcp users</c> stays for break-glass admins.</summary>
    public bool DisableLocalLogin { get; init; }

    /// <summary>Reverse proxies whose forwarded headers are honoured (<c>--trust-proxy</c>).</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Limits of the OAuth and sign-in endpoints, per client address; tests lower them.</summary>
    public OAuthRateLimits RateLimits { get; init; } = new();

    /// <summary><c>--replica-url</c>: the address other replicas use to reach this one; null means <see cref="ReplicaAddress"/>'s default.</summary>
    public Uri? ReplicaUrl { get; init; }

    /// <summary>
    /// Where other replicas reach this one: <see cref="ReplicaUrl"/>, else <c>http://&lt;host&gt;:&lt;port&gt;</c> (this
    /// machine's name when bound to every interface, which no other machine could dial).
    /// </summary>
    public Uri ReplicaAddress => ReplicaUrl ?? new Uri($"http://{(Host is "0.0.0.0" or "::" or "[::]" or "*" or "+" ? Environment.MachineName : HostInUrl)}:{Port}");

    /// <summary>The URL clients use; the bind address unless <see cref="ExternalUrl"/> says otherwise.</summary>
    public Uri PublicUrl => ExternalUrl ?? new Uri($"http://{HostInUrl}:{Port}");

    // The generated record ToString would print the connection string, the metrics token and the provider's client
    // secret: this one names where the gateway listens and stores, and nothing secret.
    public override string ToString() =>
        $"ServeOptions {{ Url = {PublicUrl}, Storage = {(ConnectionString is null ? "Sqlite" : "Postgres")}, EnableAuth = {EnableAuth}, Oidc = {Oidc?.ToString() ?? "none"} }}";

    /// <summary><see cref="Host"/> as a URL writes it: an IPv6 address in brackets (given with or without them).</summary>
    public string HostInUrl => Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('[') ? $"[{Host}]" : Host;
}
