using OneMcp.Application.Authorization;
using System.CommandLine;
using System.Globalization;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.DataProtection;

namespace OneMcp.Api.Cli;

/// <summary>
/// The <c>onemcp</c> command line. Every setting resolves as flag, then <c>ONEMCP_*</c> variable, then
/// default; anything wrong ends the process with exit code 2 and one line on stderr saying why.
/// </summary>
public static class OneMcpCli
{
    public const int ExitOk = 0;
    public const int ExitUsage = 2;
    public const int ExitStartFailed = 1;

    private static readonly Option<string> ConfigOption = new("--config", "-c")
    {
        Description = "Path of the mcp.json that lists the backends (env ONEMCP_CONFIG; default ./mcp.json when it exists). Edits are applied while running.",
        HelpName = "path",
    };

    private static readonly Option<string> PortOption = new("--port", "-P")
    {
        Description = $"TCP port to listen on (env ONEMCP_PORT; default {ServeOptions.DefaultPort}; 0 picks a free port).",
        HelpName = "port",
    };

    private static readonly Option<string> HostOption = new("--host", "-H")
    {
        Description = $"Address to bind (env ONEMCP_HOST; default {ServeOptions.DefaultHost}, reachable from this machine only).",
        HelpName = "address",
    };

    private static readonly Option<string> ExternalUrlOption = new("--external-url", "-u")
    {
        Description = "The URL clients reach the gateway at, e.g. behind a proxy (env ONEMCP_EXTERNAL_URL; default http://<host>:<port>). Requests for any other host name are refused.",
        HelpName = "url",
    };

    private static readonly Option<string> LogLevelOption = new("--log-level")
    {
        Description = "trace, debug, info, warn or error (env ONEMCP_LOG_LEVEL; default info).",
        HelpName = "level",
    };

    private static readonly Option<string> LogFormatOption = new("--log-format")
    {
        Description = "text, or json: one JSON object per line with timestamp, level, category, message, exception and the trace and span ids (env ONEMCP_LOG_FORMAT; default text).",
        HelpName = "text|json",
    };

    private static readonly Option<bool> MetricsOption = new("--metrics")
    {
        Description = "Serve Prometheus metrics at /metrics; with --enable-auth they need an onemcp:admin token or the bearer in ONEMCP_METRICS_TOKEN (env ONEMCP_METRICS).",
    };

    private static readonly Option<bool> DisableAuditOption = new("--disable-audit")
    {
        Description = "Record no audit entries (env ONEMCP_DISABLE_AUDIT); entries already stored stay readable and are no longer pruned. By default every call, sign-in and change is audited.",
    };

    private static readonly Option<bool> AsyncLoadingOption = new("--enable-async-loading")
    {
        Description = "Listen at once and publish backends as they connect, notifying clients (env ONEMCP_ENABLE_ASYNC_LOADING). By default the gateway listens once every backend has tried to connect.",
    };

    private static readonly Option<string> DatabaseOption = new("--database")
    {
        Description = "PostgreSQL connection string for the gateway's state, shared by replicas (env ONEMCP_DATABASE; default: an embedded SQLite file in the data directory). Needs ONEMCP_DATA_PROTECTION_KEY, the same on every replica (make one with: openssl rand -base64 32).",
        HelpName = "connection-string",
    };

    private static readonly Option<string> DataDirOption = new("--data-dir")
    {
        Description = "Directory of the embedded SQLite database (env ONEMCP_DATA_DIR; default $XDG_DATA_HOME/onemcp or ~/.local/share/onemcp).",
        HelpName = "path",
    };

    private static readonly Option<bool> EnableAuthOption = new("--enable-auth")
    {
        Description = "Require an OAuth 2.1 bearer token on /mcp, /sse, /messages and /api; the gateway is the authorization server, users sign in and consent (env ONEMCP_ENABLE_AUTH).",
    };

    private static readonly Option<bool> AllowInsecureNetworkOption = new("--allow-insecure-network")
    {
        Description = "Serve a non-loopback --host without --enable-auth: anyone who reaches the port can use every backend and add backends that run commands on this machine (env ONEMCP_ALLOW_INSECURE_NETWORK). Without it such a start is refused.",
    };

    private static readonly Option<bool> EnableScopeValidationOption = new("--enable-scope-validation")
    {
        Description = "With --enable-auth: a token reaches only the backends its tag:<name> scopes allow (env ONEMCP_ENABLE_SCOPE_VALIDATION).",
    };

    private static readonly Option<string> ScopeMatchOption = new("--scope-match")
    {
        Description = "all: a backend must carry every granted tag; any: one granted tag is enough (env ONEMCP_SCOPE_MATCH; default all).",
        HelpName = "all|any",
    };

    private static readonly Option<string> SessionTtlOption = new("--session-ttl")
    {
        Description = $"Access-token lifetime in minutes; clients renew with their refresh token (env ONEMCP_SESSION_TTL; default {(int)ServeOptions.DefaultSessionTtl.TotalMinutes}).",
        HelpName = "minutes",
    };

    private static readonly Option<string> AuditRetentionOption = new("--audit-retention-days")
    {
        Description = $"Days the audit log keeps its entries; older ones are pruned in the background (env ONEMCP_AUDIT_RETENTION_DAYS; default {Infrastructure.Audit.AuditOptions.DefaultRetentionDays}).",
        HelpName = "days",
    };

    private static readonly Option<string> TrustProxyOption = new("--trust-proxy")
    {
        Description = "Comma-separated IP addresses or CIDR ranges of the TLS-terminating reverse proxies whose X-Forwarded-For/-Proto headers are honoured (env ONEMCP_TRUST_PROXY; default: none).",
        HelpName = "addresses",
    };

    public static async Task<int> RunAsync(
        string[] args,
        Func<ServeOptions, CancellationToken, Task<int>> serve,
        Func<StorageOptions, CancellationToken, Task<int>> migrate,
        TextWriter? error = null)
    {
        error ??= Console.Error;
        var serveCommand = new Command("serve", "Run the gateway: one MCP endpoint at /mcp in front of every backend of mcp.json.")
        {
            ConfigOption, PortOption, HostOption, ExternalUrlOption, LogLevelOption, LogFormatOption, AsyncLoadingOption, DatabaseOption, DataDirOption,
            EnableAuthOption, EnableScopeValidationOption, ScopeMatchOption, SessionTtlOption, TrustProxyOption, AllowInsecureNetworkOption, MetricsOption, DisableAuditOption,
            AuditRetentionOption,
        };
        var migrateCommand = new Command("migrate", "Bring the database schema up to date and exit (the gateway also does this when it starts).")
        {
            DatabaseOption, DataDirOption,
        };
        var usersCommand = UsersCli.Create(DatabaseOption, DataDirOption, error);
        var root = new RootCommand("OneMcp: one MCP endpoint in front of many MCP servers, shared by a team.") { serveCommand, migrateCommand, usersCommand };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"onemcp: {parsed.Errors[0].Message} Run '{CommandPath(parsed.CommandResult)} --help' for usage.");
            return ExitUsage;
        }

        serveCommand.SetAction(async (result, cancellationToken) =>
        {
            ServeOptions options;
            try
            {
                options = await ResolveAsync(result, Environment.GetEnvironmentVariable, cancellationToken);
            }
            catch (CliException e)
            {
                await error.WriteLineAsync($"onemcp: {e.Message}");
                return ExitUsage;
            }

            return await serve(options, cancellationToken);
        });

        migrateCommand.SetAction(async (result, cancellationToken) =>
        {
            StorageOptions storage;
            try
            {
                storage = ResolveStorage(result, Environment.GetEnvironmentVariable);
            }
            catch (CliException e)
            {
                await error.WriteLineAsync($"onemcp: {e.Message}");
                return ExitUsage;
            }

            return await migrate(storage, cancellationToken);
        });

        return await parsed.InvokeAsync();
    }

    internal static StorageOptions ResolveStorage(ParseResult result, Func<string, string?> environment)
    {
        var flag = result.GetValue(DatabaseOption);
        var connectionString = !string.IsNullOrEmpty(flag) ? flag : NonEmpty(environment("ONEMCP_DATABASE"));
        var directory = result.GetValue(DataDirOption);
        directory = !string.IsNullOrEmpty(directory) ? directory : NonEmpty(environment("ONEMCP_DATA_DIR"));
        if (connectionString is not null && !PersistenceOptions.TryValidateConnectionString(connectionString, out var problem))
        {
            throw new CliException($"invalid --database: {problem}.");
        }

        return new StorageOptions(connectionString, Path.GetFullPath(directory ?? ServeOptions.DefaultDataDirectory(environment)));
    }

    internal static async Task<ServeOptions> ResolveAsync(ParseResult result, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        string? Value(Option<string> option, string variable)
        {
            var flag = result.GetValue(option);
            return !string.IsNullOrEmpty(flag) ? flag : NonEmpty(environment(variable));
        }

        var port = ParsePort(Value(PortOption, "ONEMCP_PORT"));
        var host = ParseHost(Value(HostOption, "ONEMCP_HOST"));
        var externalUrl = ParseExternalUrl(Value(ExternalUrlOption, "ONEMCP_EXTERNAL_URL"));
        var logLevel = ParseLogLevel(Value(LogLevelOption, "ONEMCP_LOG_LEVEL"));
        var logFormat = ParseLogFormat(Value(LogFormatOption, "ONEMCP_LOG_FORMAT"));
        var metrics = result.GetValue(MetricsOption) || ParseBool(environment("ONEMCP_METRICS"), "ONEMCP_METRICS");
        var disableAudit = result.GetValue(DisableAuditOption) || ParseBool(environment("ONEMCP_DISABLE_AUDIT"), "ONEMCP_DISABLE_AUDIT");
        var asyncLoading = result.GetValue(AsyncLoadingOption) || ParseBool(environment("ONEMCP_ENABLE_ASYNC_LOADING"), "ONEMCP_ENABLE_ASYNC_LOADING");

        var enableAuth = result.GetValue(EnableAuthOption) || ParseBool(environment("ONEMCP_ENABLE_AUTH"), "ONEMCP_ENABLE_AUTH");
        var scopeValidation = result.GetValue(EnableScopeValidationOption) || ParseBool(environment("ONEMCP_ENABLE_SCOPE_VALIDATION"), "ONEMCP_ENABLE_SCOPE_VALIDATION");
        if (scopeValidation && !enableAuth)
        {
            throw new CliException("--enable-scope-validation needs --enable-auth: scopes come from the gateway's OAuth tokens.");
        }

        // Without authentication the REST API adds stdio backends, that is runs commands, for whoever asks: open to the
        // network only when the operator says so in as many words.
        var allowInsecureNetwork = result.GetValue(AllowInsecureNetworkOption) || ParseBool(environment("ONEMCP_ALLOW_INSECURE_NETWORK"), "ONEMCP_ALLOW_INSECURE_NETWORK");
        if (!enableAuth && !allowInsecureNetwork && !Security.HostGuard.IsLoopback(host))
        {
            throw new CliException(
                $"refusing to serve --host {host} without --enable-auth: anyone who reaches it could use every backend and add backends that run commands on this machine. " +
                "Add --enable-auth, bind to 127.0.0.1, or pass --allow-insecure-network if you mean it.");
        }

        var scopeMatch = ParseScopeMatch(Value(ScopeMatchOption, "ONEMCP_SCOPE_MATCH"));
        var sessionTtl = ParseSessionTtl(Value(SessionTtlOption, "ONEMCP_SESSION_TTL"));
        var trustedProxies = ParseTrustedProxies(Value(TrustProxyOption, "ONEMCP_TRUST_PROXY"));
        var auditRetention = ParseAuditRetention(Value(AuditRetentionOption, "ONEMCP_AUDIT_RETENTION_DAYS"));

        var storage = ResolveStorage(result, environment);
        ValidateDataProtectionKey(storage, environment);

        var configPath = Value(ConfigOption, "ONEMCP_CONFIG");
        var explicitConfig = configPath is not null;
        configPath ??= File.Exists("mcp.json") ? "mcp.json" : null;
        McpConfigParseResult? configuration = null;
        if (configPath is not null)
        {
            configPath = Path.GetFullPath(configPath);
            if (!File.Exists(configPath))
            {
                throw new CliException($"cannot read the configuration file '{configPath}': it does not exist.");
            }

            configuration = await new McpConfigFile().LoadAsync(configPath, cancellationToken);
            if (!configuration.IsValid)
            {
                var first = configuration.Errors[0];
                var more = configuration.Errors.Count > 1 ? $" (and {configuration.Errors.Count - 1} more)" : string.Empty;
                throw new CliException($"invalid configuration '{configPath}' at {first.Path}: {first.Message}{more}");
            }
        }
        else if (explicitConfig)
        {
            throw new CliException("no configuration file given.");
        }

        return new ServeOptions
        {
            ConfigPath = configPath,
            Configuration = configuration,
            Port = port,
            Host = host,
            ExternalUrl = externalUrl,
            LogLevel = logLevel,
            LogFormat = logFormat,
            Metrics = metrics,
            MetricsToken = NonEmpty(environment("ONEMCP_METRICS_TOKEN")),
            AsyncLoading = asyncLoading,
            ConnectionString = storage.ConnectionString,
            DataDirectory = storage.DataDirectory,
            EnableAuth = enableAuth,
            AllowInsecureNetwork = allowInsecureNetwork,
            EnableScopeValidation = scopeValidation,
            ScopeMatch = scopeMatch,
            SessionTtl = sessionTtl,
            TrustedProxies = trustedProxies,
            AuditRetention = auditRetention,
            AuditEnabled = !disableAudit,
        };
    }

    // The key that encrypts the Data Protection key ring (tokens, backend credentials and secrets) in the database. SQLite
    // keeps one in a file beside the database; a shared PostgreSQL database has no such place, and without the key its
    // key ring, and with it every secret, would be readable by whoever reads the database.
    private static void ValidateDataProtectionKey(StorageOptions storage, Func<string, string?> environment)
    {
        if (NonEmpty(environment(KeyRingEncryptionKey.EnvironmentVariable)) is { } value)
        {
            try
            {
                KeyRingEncryptionKey.FromBase64(value);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message);
            }
        }
        else if (storage.ConnectionString is not null)
        {
            throw new CliException(
                $"{KeyRingEncryptionKey.EnvironmentVariable} is required with PostgreSQL: it encrypts the keys that protect tokens and backend secrets in the shared database. " +
                "Create one with `openssl rand -base64 32`, give every replica the same value and keep a copy (without it the stored secrets cannot be read).");
        }
    }

    // "onemcp users add", from the innermost command that was parsed.
    private static string CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? symbol = command; symbol is System.CommandLine.Parsing.CommandResult result; symbol = result.Parent)
        {
            names.Insert(0, result.Command is RootCommand ? "onemcp" : result.Command.Name);
        }

        return string.Join(' ', names);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static int ParsePort(string? value)
    {
        if (value is null)
        {
            return ServeOptions.DefaultPort;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new CliException($"invalid port '{value}': expected a number from 0 to 65535.");
    }

    // Kestrel binds every interface for a host it cannot parse, so a typo must not get that far.
    private static string ParseHost(string? value)
    {
        if (value is null)
        {
            return ServeOptions.DefaultHost;
        }

        var bare = value.StartsWith('[') && value.EndsWith(']') ? value[1..^1] : value;
        return value is "*" or "+" || Uri.CheckHostName(bare) != UriHostNameType.Unknown
            ? value
            : throw new CliException($"invalid host '{value}': expected an IP address, localhost or a host name.");
    }

    private static Uri? ParseExternalUrl(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query))
        {
            throw new CliException($"invalid external URL '{value}': expected an absolute http or https URL without a query.");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }

    private static LogLevel ParseLogLevel(string? value) => value?.ToLowerInvariant() switch
    {
        null => LogLevel.Information,
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new CliException($"invalid log level '{value}': expected trace, debug, info, warn or error."),
    };

    private static LogFormat ParseLogFormat(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw new CliException($"invalid log format '{value}': expected text or json."),
    };

    private static ScopeMatch ParseScopeMatch(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "all" => ScopeMatch.All,
        "any" => ScopeMatch.Any,
        _ => throw new CliException($"invalid scope match '{value}': expected all or any."),
    };

    private static TimeSpan ParseSessionTtl(string? value)
    {
        if (value is null)
        {
            return ServeOptions.DefaultSessionTtl;
        }

        // Up to 30 days, the lifetime of a refresh-token family: an access token never outlives its grant.
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && minutes is >= 1 and <= 43200
            ? TimeSpan.FromMinutes(minutes)
            : throw new CliException($"invalid session TTL '{value}': expected a number of minutes from 1 to 43200.");
    }

    private static TimeSpan ParseAuditRetention(string? value)
    {
        if (value is null)
        {
            return TimeSpan.FromDays(Infrastructure.Audit.AuditOptions.DefaultRetentionDays);
        }

        // Up to ten years: anything longer is "forever" in practice, and TimeSpan arithmetic stays far from overflow.
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 3650
            ? TimeSpan.FromDays(days)
            : throw new CliException($"invalid audit retention '{value}': expected a number of days from 1 to 3650.");
    }

    private static List<System.Net.IPNetwork> ParseTrustedProxies(string? value)
    {
        if (value is null)
        {
            return [];
        }

        var networks = new List<System.Net.IPNetwork>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (System.Net.IPNetwork.TryParse(part, out var network))
            {
                networks.Add(network);
            }
            else if (System.Net.IPAddress.TryParse(part, out var address))
            {
                networks.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32));
            }
            else
            {
                throw new CliException($"invalid trusted proxy '{part}': expected an IP address or a CIDR range such as 10.0.0.0/8.");
            }
        }

        return networks;
    }

    private static bool ParseBool(string? value, string variable) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "0" or "false" or "no" => false,
        "1" or "true" or "yes" => true,
        _ => throw new CliException($"invalid {variable} '{value}': expected true or false."),
    };

}

/// <summary>A command line that cannot be carried out as given: exit code 2 and the message on one line.</summary>
internal sealed class CliException(string message) : Exception(message);
