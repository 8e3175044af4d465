using OneMcp.Application.Users.Commands;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Settings;

/// <summary>
/// Resolves the settings of <c>onemcp</c>: each from its flag, then its <c>ONEMCP_*</c> variable, then its default.
/// A value that breaks its rule, or settings that contradict each other, end in <see cref="InvalidSettingException"/>
/// with one line saying why (the command line prints it and exits 2); an invalid configuration file, with a line for
/// each of its errors.
/// </summary>
/// <param name="value">The value given to a flag that takes one (<c>"--port"</c>), null or empty when absent.</param>
/// <param name="flag">
/// The value a switch (<c>"--enable-auth"</c>) is given on the command line (<c>--enable-auth</c> alone is true,
/// <c>--enable-auth=false</c> false), null when it is absent: a given switch wins over its variable either way.
/// </param>
/// <param name="environment">Reads an environment variable.</param>
public sealed class SettingsResolver(Func<string, string?> value, Func<string, bool?> flag, Func<string, string?> environment)
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

        var oidc = ResolveOidc(enableAuth);
        var disableLocalLogin = Switch("--disable-local-login", "ONEMCP_DISABLE_LOCAL_LOGIN");
        if (disableLocalLogin && oidc is null)
        {
            throw new InvalidSettingException("--disable-local-login needs --oidc-issuer: without an identity provider nobody could sign in.");
        }

        if (disableLocalLogin && (NonEmpty(environment("ONEMCP_ADMIN_USERNAME")) ?? NonEmpty(environment("ONEMCP_ADMIN_PASSWORD"))) is not null)
        {
            throw new InvalidSettingException(
                "ONEMCP_ADMIN_USERNAME and ONEMCP_ADMIN_PASSWORD create a local user, and --disable-local-login turns local sign-in off: " +
                "unset them (add a break-glass admin with 'onemcp users add' instead).");
        }

        // The first admin's variables are checked here, with the rules of 'onemcp users add', so a bad value writes nothing.
        var admin = EnsureAdminFromEnvironmentCommand.FromEnvironment(environment);
        if (new EnsureAdminFromEnvironmentValidator().Validate(admin) is { IsValid: false } invalid)
        {
            throw new InvalidSettingException(string.Join(' ', invalid.Errors.Select(f => f.ErrorMessage)));
        }

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
            Oidc = oidc,
            DisableLocalLogin = disableLocalLogin,
            AuditRetention = auditRetention,
            AuditEnabled = !disableAudit,
        };
    }

    /// <summary>The <c>--oidc-*</c> settings: none without <c>--oidc-issuer</c> (the others alone are a mistake, said so).</summary>
    private OidcOptions? ResolveOidc(bool enableAuth)
    {
        var issuer = Value("--oidc-issuer", "ONEMCP_OIDC_ISSUER");
        var clientId = Value("--oidc-client-id", "ONEMCP_OIDC_CLIENT_ID");
        var scopes = Value("--oidc-scopes", "ONEMCP_OIDC_SCOPES");
        var displayName = Value("--oidc-display-name", "ONEMCP_OIDC_DISPLAY_NAME");
        var roleClaim = Value("--oidc-role-claim", "ONEMCP_OIDC_ROLE_CLAIM");
        var adminValues = Value("--oidc-admin-values", "ONEMCP_OIDC_ADMIN_VALUES");
        var allowedDomains = Value("--oidc-allowed-domains", "ONEMCP_OIDC_ALLOWED_DOMAINS");
        if (issuer is null)
        {
            var stray = (clientId, scopes, displayName, roleClaim, adminValues, allowedDomains) switch
            {
                ({ }, _, _, _, _, _) => "--oidc-client-id",
                (_, { }, _, _, _, _) => "--oidc-scopes",
                (_, _, { }, _, _, _) => "--oidc-display-name",
                (_, _, _, { }, _, _) => "--oidc-role-claim",
                (_, _, _, _, { }, _) => "--oidc-admin-values",
                (_, _, _, _, _, { }) => "--oidc-allowed-domains",
                _ => null,
            };
            return stray is null ? null : throw new InvalidSettingException($"{stray} needs --oidc-issuer: it configures sign-in with an identity provider.");
        }

        if (!enableAuth)
        {
            throw new InvalidSettingException("--oidc-issuer needs --enable-auth: people sign in only to a gateway that asks who they are.");
        }

        return new OidcOptions
        {
            Issuer = SettingParser.OidcIssuer(issuer),
            ClientId = clientId ?? throw new InvalidSettingException("--oidc-issuer needs --oidc-client-id: the id this gateway was registered with at the provider."),
            ClientSecret = NonEmpty(environment("ONEMCP_OIDC_CLIENT_SECRET")),
            Scopes = SettingParser.OidcScopes(scopes ?? OidcOptions.DefaultScopes),
            DisplayName = displayName?.Trim() is { Length: > 0 and <= 60 } name ? name
                : displayName is null ? new Uri(issuer).Host
                : throw new InvalidSettingException("invalid --oidc-display-name: expected 1 to 60 characters."),
            RoleClaim = roleClaim?.Trim() ?? OidcOptions.DefaultRoleClaim,
            AdminValues = SettingParser.List(adminValues),
            AllowedDomains = SettingParser.EmailDomains(allowedDomains),
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
            // Every error, one line each, so that a file with five mistakes takes one run to fix.
            if (configuration.Errors is [var only])
            {
                throw new InvalidSettingException($"invalid configuration '{configPath}' at {only.Path}: {only.Message}");
            }

            var lines = configuration.Errors.Select(e => $"\n  {e.Path}: {e.Message}");
            throw new InvalidSettingException(
                $"invalid configuration '{configPath}', {configuration.Errors.Count} errors:{string.Concat(lines)}");
        }

        return (configPath, configuration);
    }

    private string? Value(string name, string variable) =>
        value(name) is { Length: > 0 } given ? given : NonEmpty(environment(variable));

    private bool Switch(string name, string variable) => flag(name) ?? SettingParser.Bool(environment(variable), variable);

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
