using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Support.Oidc;

/// <summary>One user of the test identity provider.</summary>
/// <param name="Id">The <c>sub</c> claim, and the user name typed on the provider's sign-in page.</param>
/// <param name="Email">The <c>email</c> claim.</param>
/// <param name="Groups">The <c>groups</c> claim (possibly empty).</param>
/// <param name="PreferredUserName">The <c>preferred_username</c> claim; left out of the tokens when null.</param>
/// <param name="Name">The <c>name</c> claim; left out when null.</param>
/// <param name="EmailVerified">The <c>email_verified</c> claim.</param>
public sealed record OidcAccount(
    string Id,
    string Email,
    IReadOnlyList<string> Groups,
    string? PreferredUserName = null,
    string? Name = null,
    bool EmailVerified = true);

/// <summary>How to start <see cref="OidcProviderProcess"/>.</summary>
public sealed record OidcProviderOptions
{
    /// <summary>Where the provider may send the browser back to; at least one. See <see cref="OidcProviderProcess.RedirectUriFor"/>.</summary>
    public required IReadOnlyList<Uri> RedirectUris { get; init; }

    public IReadOnlyList<Uri> PostLogoutRedirectUris { get; init; } = [];

    public string ClientId { get; init; } = "onemcp";

    public string ClientSecret { get; init; } = "onemcp-test-secret-" + Guid.NewGuid().ToString("N");

    /// <summary>Seconds added to the provider's clock: -7200 makes every ID token it issues expired on arrival.</summary>
    public int ClockOffsetSeconds { get; init; }

    /// <summary><c>client_secret_basic</c> (default) or <c>client_secret_post</c>: the one method the client is registered with and discovery advertises.</summary>
    public string TokenEndpointAuthMethod { get; init; } = "client_secret_basic";

    /// <summary>Advertise and accept pushed authorization requests (off: the request's parameters then travel in the browser's URL).</summary>
    public bool PushedAuthorizationRequests { get; init; }

    /// <summary>The users the provider starts with; more can be added or changed with <see cref="OidcProviderProcess.SetAccount(OidcAccount)"/>.</summary>
    public IReadOnlyList<OidcAccount> Accounts { get; init; } = [];

    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }
}

/// <summary>
/// tests/NodeClients/oidc-provider.mjs in its own Node process: a real, independent OpenID provider (the certified
/// npm package <c>oidc-provider</c>) on a free loopback port, with one confidential client and the accounts of a JSON
/// file that this class owns and rewrites (the provider reads it again at every account lookup, so a change applies
/// to the next sign-in). Its issuer is <c>http://127.0.0.1:&lt;port&gt;</c>, without a trailing slash.
/// <para>
/// The provider must know the client's redirect URIs when it starts, and the gateway must know the issuer when it
/// starts: pick the gateway's port first (<see cref="GatewayProcess.FreePort"/>), start the provider with
/// <see cref="StartForGatewayAsync"/> (redirect URI <c>http://127.0.0.1:&lt;port&gt;/signin-oidc</c>), then start the
/// gateway on that port with <c>--oidc-issuer</c> = <see cref="Issuer"/>.
/// </para>
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    public const string ReadyLinePrefix = "oidc-provider listening ";

    private static readonly string NodeClientsDirectory = Path.Combine(TestPaths.RepositoryRoot, "tests", "NodeClients");
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true };

    private readonly Process _process;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OidcAccount> _accounts = new(StringComparer.Ordinal);
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OidcProviderProcess(Process process, string directory, OidcProviderOptions options)
    {
        _process = process;
        _directory = directory;
        Options = options;
    }

    public OidcProviderOptions Options { get; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>; the <c>iss</c> of its tokens and responses is this without the trailing slash <see cref="Uri"/> adds (<see cref="IssuerString"/>).</summary>
    public Uri Issuer { get; private set; } = null!;

    /// <summary>The issuer exactly as the provider writes it (no trailing slash).</summary>
    public string IssuerString { get; private set; } = null!;

    public string ClientId => Options.ClientId;

    public string ClientSecret => Options.ClientSecret;

    public IReadOnlyList<Uri> RedirectUris => Options.RedirectUris;

    public int ClockOffsetSeconds => Options.ClockOffsetSeconds;

    public Uri DiscoveryUri => new(IssuerString + "/.well-known/openid-configuration");

    /// <summary>The authorization endpoint (the provider's route is fixed: <c>/auth</c>; discovery says the same).</summary>
    public Uri AuthorizationEndpoint => new(IssuerString + "/auth");

    /// <summary>The token endpoint (<c>/token</c>).</summary>
    public Uri TokenEndpoint => new(IssuerString + "/token");

    /// <summary>The userinfo endpoint (<c>/me</c>).</summary>
    public Uri UserinfoEndpoint => new(IssuerString + "/me");

    /// <summary>The accounts file the provider reads.</summary>
    public string AccountsFile => Path.Combine(_directory, "accounts.json");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> StandardError
    {
        get
        {
            lock (_gate)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>The redirect URI of a gateway listening on <c>127.0.0.1:<paramref name="gatewayPort"/></c>.</summary>
    public static Uri RedirectUriFor(int gatewayPort) =>
        new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{gatewayPort}/signin-oidc"));

    /// <summary>Starts a provider whose client comes back to a gateway that will listen on <paramref name="gatewayPort"/>.</summary>
    public static Task<OidcProviderProcess> StartForGatewayAsync(
        int gatewayPort,
        IEnumerable<OidcAccount>? accounts = null,
        int clockOffsetSeconds = 0,
        CancellationToken cancellationToken = default) =>
        StartAsync(
            new OidcProviderOptions
            {
                RedirectUris = [RedirectUriFor(gatewayPort)],
                Accounts = [.. accounts ?? []],
                ClockOffsetSeconds = clockOffsetSeconds,
            },
            cancellationToken);

    /// <summary>
    /// Starts the provider and waits for its ready line (30 s at most; the failure carries its stderr). A provider
    /// that has not said it listens after 30 s is stopped and started once more: a CI run once saw one stay silent
    /// for 30 s after loading (it takes under a second here), and one stall should not fail the test it serves.
    /// </summary>
    public static async Task<OidcProviderProcess> StartAsync(OidcProviderOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RedirectUris.Count == 0)
        {
            throw new ArgumentException("The provider needs at least one redirect URI.", nameof(options));
        }

        if (!Directory.Exists(Path.Combine(NodeClientsDirectory, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed: run 'npm ci' in {NodeClientsDirectory} (scripts/test.sh does).");
        }

        try
        {
            return await StartOnceAsync(options, cancellationToken);
        }
        catch (TimeoutException first)
        {
            try
            {
                return await StartOnceAsync(options, cancellationToken);
            }
            catch (TimeoutException second)
            {
                throw new TimeoutException($"{second.Message}\nThe attempt before it:\n{first.Message}", second);
            }
        }
    }

    private static async Task<OidcProviderProcess> StartOnceAsync(OidcProviderOptions options, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "onemcp-tests", "oidc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NodeClientsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("oidc-provider.mjs");
        // --name=value throughout: node's parser would take a negative clock offset after a space for an option.
        start.ArgumentList.Add(Flag("port", options.Port.ToString(CultureInfo.InvariantCulture)));
        start.ArgumentList.Add(Flag("accounts", Path.Combine(directory, "accounts.json")));
        start.ArgumentList.Add(Flag("client-id", options.ClientId));
        start.ArgumentList.Add(Flag("token-endpoint-auth-method", options.TokenEndpointAuthMethod));
        start.ArgumentList.Add(Flag("clock-offset", options.ClockOffsetSeconds.ToString(CultureInfo.InvariantCulture)));
        foreach (var uri in options.RedirectUris)
        {
            start.ArgumentList.Add(Flag("redirect-uri", uri.OriginalString));
        }

        foreach (var uri in options.PostLogoutRedirectUris)
        {
            start.ArgumentList.Add(Flag("post-logout-redirect-uri", uri.OriginalString));
        }

        if (options.PushedAuthorizationRequests)
        {
            start.ArgumentList.Add("--par");
        }

        // The secret stays off the command line (other processes can read that).
        start.Environment["OIDC_CLIENT_SECRET"] = options.ClientSecret;
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("OIDC_", StringComparison.Ordinal) && k != "OIDC_CLIENT_SECRET").ToList())
        {
            start.Environment.Remove(inherited);
        }

        var process = new Process { StartInfo = start };
        var provider = new OidcProviderProcess(process, directory, options);
        foreach (var account in options.Accounts)
        {
            provider._accounts[account.Id] = account;
        }

        provider.WriteAccountsFile();
        process.OutputDataReceived += (_, e) => provider.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => provider.OnStderr(e.Data);
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException("node did not start.");
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await provider.WaitForReadyAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds or replaces a user (name = <paramref name="preferredUserName"/>, or the id when null).</summary>
    public void SetAccount(string id, string email, string[] groups, string? preferredUserName = null) =>
        SetAccount(new OidcAccount(id, email, groups, preferredUserName, preferredUserName ?? id));

    /// <summary>Adds or replaces a user; the provider sees it from its next account lookup.</summary>
    public void SetAccount(OidcAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        lock (_gate)
        {
            _accounts[account.Id] = account;
            WriteAccountsFile();
        }
    }

    /// <summary>Removes a user: the provider no longer signs it in nor finds it for tokens or userinfo.</summary>
    public void RemoveAccount(string id)
    {
        lock (_gate)
        {
            _accounts.Remove(id);
            WriteAccountsFile();
        }
    }

    /// <summary>The provider's discovery document.</summary>
    public async Task<JsonObject> GetDiscoveryDocumentAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        return await http.GetFromJsonAsync<JsonObject>(DiscoveryUri, cancellationToken)
            ?? throw new InvalidOperationException("empty discovery document");
    }

    public string Describe()
    {
        lock (_gate)
        {
            return $"oidc-provider.mjs (pid {_process.Id}) stdout:\n{string.Join('\n', _stdout)}\nstderr:\n{string.Join('\n', _stderr)}";
        }
    }

    public ValueTask DisposeAsync() => ChildProcesses.StopAsync(_process, _directory);

    private static string Flag(string name, string value) => "--" + name + "=" + value;

    private async Task WaitForReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var exited = _process.WaitForExitAsync(cancellationToken);
        Task finished;
        try
        {
            finished = await Task.WhenAny(_ready.Task, exited).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"oidc-provider.mjs did not say it was listening within {timeout.TotalSeconds:0} s.\n{Describe()}");
        }

        if (finished != _ready.Task)
        {
            // Let the last stderr lines arrive before describing them.
            await Task.Delay(200, cancellationToken);
            throw new InvalidOperationException($"oidc-provider.mjs exited with {_process.ExitCode} before listening.\n{Describe()}");
        }

        IssuerString = await _ready.Task;
        Issuer = new Uri(IssuerString);
    }

    // Written to a temporary file and renamed over the old one, so the provider never reads half a file.
    private void WriteAccountsFile()
    {
        var document = new JsonObject();
        foreach (var account in _accounts.Values)
        {
            var claims = new JsonObject
            {
                ["email"] = account.Email,
                ["email_verified"] = account.EmailVerified,
                ["groups"] = new JsonArray([.. account.Groups.Select(g => (JsonNode)g)]),
            };
            if (account.PreferredUserName is not null)
            {
                claims["preferred_username"] = account.PreferredUserName;
            }

            if (account.Name is not null)
            {
                claims["name"] = account.Name;
            }

            document[account.Id] = claims;
        }

        var temporary = AccountsFile + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, document.ToJsonString(FileJson));
        File.Move(temporary, AccountsFile, overwrite: true);
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _stdout.Add(line);
        }

        if (line.StartsWith(ReadyLinePrefix, StringComparison.Ordinal))
        {
            _ready.TrySetResult(line[ReadyLinePrefix.Length..].Trim());
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _stderr.Add(line);
        }
    }
}
