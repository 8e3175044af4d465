using System.CommandLine;
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
    private static readonly Option<string> ReplicaUrlOption = CliHelp.Value("--replica-url");
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
    private static readonly Option<string> OidcIssuerOption = CliHelp.Value("--oidc-issuer");
    private static readonly Option<string> OidcClientIdOption = CliHelp.Value("--oidc-client-id");
    private static readonly Option<string> OidcScopesOption = CliHelp.Value("--oidc-scopes");
    private static readonly Option<string> OidcDisplayNameOption = CliHelp.Value("--oidc-display-name");
    private static readonly Option<string> OidcRoleClaimOption = CliHelp.Value("--oidc-role-claim");
    private static readonly Option<string> OidcAdminValuesOption = CliHelp.Value("--oidc-admin-values");
    private static readonly Option<string> OidcAllowedDomainsOption = CliHelp.Value("--oidc-allowed-domains");
    private static readonly Option<bool> DisableLocalLoginOption = CliHelp.Flag("--disable-local-login");

    public static async Task<int> RunAsync(
        string[] args,
        Func<ServeOptions, CancellationToken, Task<int>> serve,
        Func<StorageOptions, CancellationToken, Task<int>> migrate,
        TextWriter? error = null,
        Func<string, string?>? environment = null)
    {
        error ??= Console.Error;
        environment ??= Environment.GetEnvironmentVariable;
        var serveCommand = new Command("serve", "Run the gateway: one MCP endpoint at /mcp in front of every backend of mcp.json.")
        {
            ConfigOption, PortOption, HostOption, ExternalUrlOption, LogLevelOption, LogFormatOption, AsyncLoadingOption, DatabaseOption, DataDirOption,
            EnableAuthOption, EnableScopeValidationOption, ScopeMatchOption, SessionTtlOption, TrustProxyOption, AllowInsecureNetworkOption, MetricsOption,
            AuditRetentionOption, DisableAuditOption, ReplicaUrlOption, OidcIssuerOption, OidcClientIdOption, OidcScopesOption, OidcDisplayNameOption,
            OidcRoleClaimOption, OidcAdminValuesOption, OidcAllowedDomainsOption, DisableLocalLoginOption,
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
            await error.WriteLineAsync($"onemcp: {FirstError(parsed)} Run '{CommandPath(parsed.CommandResult)} --help' for usage.");
            return ExitUsage;
        }

        serveCommand.SetAction((result, cancellationToken) =>
            WithSettingsAsync(error, () => Settings(result, environment).ResolveServeAsync(cancellationToken), options => serve(options, cancellationToken)));
        migrateCommand.SetAction((result, cancellationToken) =>
            WithSettingsAsync(error, () => Task.FromResult(Settings(result, environment).ResolveStorage()), storage => migrate(storage, cancellationToken)));
        // SIGTERM and Ctrl+C are the host's to handle: it stops the gateway within its own shutdown timeout (backends
        // ended, the audit queue written). A termination timeout here would end the process after it, mid-shutdown.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>
    /// What stops a command for a reason outside its arguments: the data directory or key file cannot be created or
    /// read (a missing permission is an <see cref="UnauthorizedAccessException"/>, not an <see cref="IOException"/>),
    /// the database cannot be reached or migrated, or the gateway cannot start. The command says so in one line.
    /// </summary>
    internal static bool IsStartFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException or InvalidOperationException or System.Data.Common.DbException
            or OneMcp.Infrastructure.Persistence.DatabaseMigrationException;

    /// <summary>The settings of the parsed command: its flags, then the <c>ONEMCP_*</c> variables, then the defaults.</summary>
    internal static SettingsResolver Settings(ParseResult result) => Settings(result, Environment.GetEnvironmentVariable);

    /// <summary>
    /// The settings of the parsed command read with <paramref name="environment"/>. A switch counts only when it is on
    /// the command line: <c>--disable-audit=false</c> is a given false that wins over <c>ONEMCP_DISABLE_AUDIT=1</c>,
    /// which <c>GetValue&lt;bool&gt;</c> alone cannot tell from an absent switch.
    /// </summary>
    internal static SettingsResolver Settings(ParseResult result, Func<string, string?> environment) =>
        new(
            name => result.GetValue<string>(name),
            name => result.GetResult(name) is System.CommandLine.Parsing.OptionResult { Implicit: false } ? result.GetValue<bool>(name) : null,
            environment);

    private static async Task<int> WithSettingsAsync<T>(TextWriter error, Func<Task<T>> resolve, Func<T, Task<int>> run)
    {
        T settings;
        try
        {
            settings = await resolve();
        }
        catch (InvalidSettingException e)
        {
            await error.WriteLineAsync($"onemcp: {e.Message}");
            return ExitUsage;
        }

        return await run(settings);
    }

    // A mistyped command ("onemcp sevre", "onemcp users ad") leaves its parent without a subcommand, and the parser's
    // first error then says none was given: the word that was not understood is what the user needs to hear about.
    private static string FirstError(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        return command.Subcommands.Count > 0 && parsed.UnmatchedTokens is [var token, ..]
            ? $"unknown command '{token}' for '{CommandPath(parsed.CommandResult)}': expected {string.Join(", ", command.Subcommands.Select(c => c.Name))}."
            : parsed.Errors[0].Message;
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
}
