using System.CommandLine;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Settings;

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

    private static readonly Option<string> ConfigOption = CliHelp.Value("--config", "-c");
    private static readonly Option<string> PortOption = CliHelp.Value("--port", "-P");
    private static readonly Option<string> HostOption = CliHelp.Value("--host", "-H");
    private static readonly Option<string> ExternalUrlOption = CliHelp.Value("--external-url", "-u");
    private static readonly Option<string> LogLevelOption = CliHelp.Value("--log-level");
    private static readonly Option<string> LogFormatOption = CliHelp.Value("--log-format");
    private static readonly Option<bool> MetricsOption = CliHelp.Flag("--metrics");
    private static readonly Option<bool> DisableAuditOption = CliHelp.Flag("--disable-audit");
    private static readonly Option<bool> AsyncLoadingOption = CliHelp.Flag("--enable-async-loading");
    private static readonly Option<string> DatabaseOption = CliHelp.Value("--database");
    private static readonly Option<string> DataDirOption = CliHelp.Value("--data-dir");
    private static readonly Option<bool> EnableAuthOption = CliHelp.Flag("--enable-auth");
    private static readonly Option<bool> AllowInsecureNetworkOption = CliHelp.Flag("--allow-insecure-network");
    private static readonly Option<bool> EnableScopeValidationOption = CliHelp.Flag("--enable-scope-validation");
    private static readonly Option<string> ScopeMatchOption = CliHelp.Value("--scope-match");
    private static readonly Option<string> SessionTtlOption = CliHelp.Value("--session-ttl");
    private static readonly Option<string> AuditRetentionOption = CliHelp.Value("--audit-retention-days");
    private static readonly Option<string> TrustProxyOption = CliHelp.Value("--trust-proxy");

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
            EnableAuthOption, EnableScopeValidationOption, ScopeMatchOption, SessionTtlOption, TrustProxyOption, AllowInsecureNetworkOption, MetricsOption,
            AuditRetentionOption, DisableAuditOption,
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
            catch (Exception e) when (e is CliException or InvalidSettingException)
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

        var port = SettingParser.Port(Value(PortOption, "ONEMCP_PORT")) ?? ServeOptions.DefaultPort;
        var host = SettingParser.Host(Value(HostOption, "ONEMCP_HOST")) ?? ServeOptions.DefaultHost;
        var externalUrl = SettingParser.ExternalUrl(Value(ExternalUrlOption, "ONEMCP_EXTERNAL_URL"));
        var logLevel = SettingParser.LogLevelOf(Value(LogLevelOption, "ONEMCP_LOG_LEVEL"));
        var logFormat = SettingParser.LogFormatOf(Value(LogFormatOption, "ONEMCP_LOG_FORMAT"));
        var metrics = result.GetValue(MetricsOption) || SettingParser.Bool(environment("ONEMCP_METRICS"), "ONEMCP_METRICS");
        var disableAudit = result.GetValue(DisableAuditOption) || SettingParser.Bool(environment("ONEMCP_DISABLE_AUDIT"), "ONEMCP_DISABLE_AUDIT");
        var asyncLoading = result.GetValue(AsyncLoadingOption) || SettingParser.Bool(environment("ONEMCP_ENABLE_ASYNC_LOADING"), "ONEMCP_ENABLE_ASYNC_LOADING");

        var enableAuth = result.GetValue(EnableAuthOption) || SettingParser.Bool(environment("ONEMCP_ENABLE_AUTH"), "ONEMCP_ENABLE_AUTH");
        var scopeValidation = result.GetValue(EnableScopeValidationOption) || SettingParser.Bool(environment("ONEMCP_ENABLE_SCOPE_VALIDATION"), "ONEMCP_ENABLE_SCOPE_VALIDATION");
        if (scopeValidation && !enableAuth)
        {
            throw new CliException("--enable-scope-validation needs --enable-auth: scopes come from the gateway's OAuth tokens.");
        }

        // Without authentication the REST API adds stdio backends, that is runs commands, for whoever asks: open to the
        // network only when the operator says so in as many words.
        var allowInsecureNetwork = result.GetValue(AllowInsecureNetworkOption) || SettingParser.Bool(environment("ONEMCP_ALLOW_INSECURE_NETWORK"), "ONEMCP_ALLOW_INSECURE_NETWORK");
        if (!enableAuth && !allowInsecureNetwork && !Application.Security.HostPolicy.IsLoopback(host))
        {
            throw new CliException(
                $"refusing to serve --host {host} without --enable-auth: anyone who reaches it could use every backend and add backends that run commands on this machine. " +
                "Add --enable-auth, bind to 127.0.0.1, or pass --allow-insecure-network if you mean it.");
        }

        var scopeMatch = SettingParser.ScopeMatchOf(Value(ScopeMatchOption, "ONEMCP_SCOPE_MATCH"));
        var sessionTtl = SettingParser.SessionTtl(Value(SessionTtlOption, "ONEMCP_SESSION_TTL")) ?? ServeOptions.DefaultSessionTtl;
        var trustedProxies = SettingParser.TrustedProxies(Value(TrustProxyOption, "ONEMCP_TRUST_PROXY"));
        var auditRetention = SettingParser.AuditRetention(Value(AuditRetentionOption, "ONEMCP_AUDIT_RETENTION_DAYS"));

        var storage = ResolveStorage(result, environment);
        SettingParser.EnsureKeyRingKey(storage.ConnectionString, environment);

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


}
