using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Settings;

/// <summary>
/// Resolves the settings of <c>onemcp</c>: each from its flag, then its <c>ONEMCP_*</c> variable, then its default.
/// A value that breaks its rule, or settings that contradict each other, end in <see cref="InvalidSettingException"/>
/// with one line saying why (the command line prints it and exits 2).
/// </summary>
/// <param name="value">The value given to a flag that takes one (<c>"--port"</c>), null or empty when absent.</param>
/// <param name="flag">Whether a switch (<c>"--enable-auth"</c>) is given.</param>
/// <param name="environment">Reads an environment variable.</param>
public sealed class SettingsResolver(Func<string, string?> value, Func<string, bool> flag, Func<string, string?> environment)
{
    /// <summary><c>--database</c> and <c>--data-dir</c>: where the gateway keeps its data.</summary>
    public StorageOptions ResolveStorage()
    {
        var connectionString = Value("--database", "ONEMCP_DATABASE");
        var directory = Value("--data-dir", "ONEMCP_DATA_DIR");
        if (connectionString is not null && !PersistenceOptions.TryValidateConnectionString(connectionString, out var problem))
        {
            throw new InvalidSettingException($"invalid --database: {problem}.");
        }

        return new StorageOptions(connectionString, Path.GetFullPath(directory ?? ServeOptions.DefaultDataDirectory(environment)));
    }

    /// <summary>Every setting of <c>onemcp serve</c>, the configuration file read and checked.</summary>
    public async Task<ServeOptions> ResolveServeAsync(CancellationToken cancellationToken)
    {
        var port = SettingParser.Port(Value("--port", "ONEMCP_PORT")) ?? ServeOptions.DefaultPort;
        var host = SettingParser.Host(Value("--host", "ONEMCP_HOST")) ?? ServeOptions.DefaultHost;
        var externalUrl = SettingParser.ExternalUrl(Value("--external-url", "ONEMCP_EXTERNAL_URL"));
        var replicaUrl = SettingParser.ReplicaUrl(Value("--replica-url", "ONEMCP_REPLICA_URL"));
        var logLevel = SettingParser.LogLevelOf(Value("--log-level", "ONEMCP_LOG_LEVEL"));
        var logFormat = SettingParser.LogFormatOf(Value("--log-format", "ONEMCP_LOG_FORMAT"));
        var metrics = Switch("--metrics", "ONEMCP_METRICS");
        var disableAudit = Switch("--disable-audit", "ONEMCP_DISABLE_AUDIT");
        var asyncLoading = Switch("--enable-async-loading", "ONEMCP_ENABLE_ASYNC_LOADING");

        var enableAuth = Switch("--enable-auth", "ONEMCP_ENABLE_AUTH");
        var scopeValidation = Switch("--enable-scope-validation", "ONEMCP_ENABLE_SCOPE_VALIDATION");
        if (scopeValidation && !enableAuth)
        {
            throw new InvalidSettingException("--enable-scope-validation needs --enable-auth: scopes come from the gateway's OAuth tokens.");
        }

        // Without authentication the REST API adds stdio backends, that is runs commands, for whoever asks: open to the
        // network only when the operator says so in as many words.
        var allowInsecureNetwork = Switch("--allow-insecure-network", "ONEMCP_ALLOW_INSECURE_NETWORK");
        if (!enableAuth && !allowInsecureNetwork && !Application.Security.HostPolicy.IsLoopback(host))
        {
            throw new InvalidSettingException(
                $"refusing to serve --host {host} without --enable-auth: anyone who reaches it could use every backend and add backends that run commands on this machine. " +
                "Add --enable-auth, bind to 127.0.0.1, or pass --allow-insecure-network if you mean it.");
        }

        var scopeMatch = SettingParser.ScopeMatchOf(Value("--scope-match", "ONEMCP_SCOPE_MATCH"));
        var sessionTtl = SettingParser.SessionTtl(Value("--session-ttl", "ONEMCP_SESSION_TTL")) ?? ServeOptions.DefaultSessionTtl;
        var trustedProxies = SettingParser.TrustedProxies(Value("--trust-proxy", "ONEMCP_TRUST_PROXY"));
        var auditRetention = SettingParser.AuditRetention(Value("--audit-retention-days", "ONEMCP_AUDIT_RETENTION_DAYS"));

        var storage = ResolveStorage();
        SettingParser.EnsureKeyRingKey(storage.ConnectionString, environment);
        var (configPath, configuration) = await LoadConfigurationAsync(Value("--config", "ONEMCP_CONFIG"), cancellationToken);

        return new ServeOptions
        {
            ConfigPath = configPath,
            Configuration = configuration,
            Port = port,
            Host = host,
            ExternalUrl = externalUrl,
            ReplicaUrl = replicaUrl,
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

    /// <summary>The given file, else <c>mcp.json</c> in the working directory if there is one, else none.</summary>
    private static async Task<(string? Path, McpConfigParseResult? Configuration)> LoadConfigurationAsync(string? given, CancellationToken cancellationToken)
    {
        var configPath = given ?? (File.Exists("mcp.json") ? "mcp.json" : null);
        if (configPath is null)
        {
            return (null, null);
        }

        configPath = Path.GetFullPath(configPath);
        if (!File.Exists(configPath))
        {
            throw new InvalidSettingException($"cannot read the configuration file '{configPath}': it does not exist.");
        }

        var configuration = await new McpConfigFile().LoadAsync(configPath, cancellationToken);
        if (!configuration.IsValid)
        {
            var first = configuration.Errors[0];
            var more = configuration.Errors.Count > 1 ? $" (and {configuration.Errors.Count - 1} more)" : string.Empty;
            throw new InvalidSettingException($"invalid configuration '{configPath}' at {first.Path}: {first.Message}{more}");
        }

        return (configPath, configuration);
    }

    private string? Value(string name, string variable) =>
        value(name) is { Length: > 0 } given ? given : NonEmpty(environment(variable));

    private bool Switch(string name, string variable) => flag(name) || SettingParser.Bool(environment(variable), variable);

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
