using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using OneMcp.Api;
using OneMcp.Application.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.Infrastructure.Persistence.DataProtection;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// The real gateway application on Kestrel (a free loopback port), in this process, with its mcp.json in
/// a temporary folder. Backends are real child processes or real HTTP servers.
/// </summary>
internal sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<McpClient> _clients = [];

    private GatewayUnderTest(WebApplication app, string directory, string configPath)
    {
        _app = app;
        Directory = directory;
        ConfigPath = configPath;
        BaseUrl = new Uri(app.Urls.First());
    }

    public Uri BaseUrl { get; }

    public string Directory { get; }

    public string ConfigPath { get; }

    public IBackendPool Pool => _app.Services.GetRequiredService<IBackendPool>();

    /// <summary>The gateway's data directory (its SQLite store), inside <see cref="Directory"/> unless given.</summary>
    public string DataDirectory { get; private init; } = string.Empty;

    /// <param name="config">The mcp.json to start with.</param>
    /// <param name="asyncLoading">Listen before backends connect.</param>
    /// <param name="dataDirectory">A store to reuse (a restart test); a fresh one in the temp folder when null.</param>
    /// <param name="connectionString">A PostgreSQL database instead of SQLite.</param>
    /// <param name="adjust">Changes to the serve options (auth flags, rate limits...).</param>
    /// <param name="configureBuilder">Changes to the host before it is built (e.g. a log capture).</param>
    public static async Task<GatewayUnderTest> StartAsync(
        ConfigBuilder config, bool asyncLoading = false, string? dataDirectory = null, string? connectionString = null,
        Func<ServeOptions, ServeOptions>? adjust = null, Action<WebApplicationBuilder>? configureBuilder = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "onemcp-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        dataDirectory ??= Path.Combine(directory, "data");
        var configPath = Path.Combine(directory, "mcp.json");
        await File.WriteAllTextAsync(configPath, config.ToJson());

        var parsed = await new McpConfigFile().LoadAsync(configPath, CancellationToken.None);
        parsed.IsValid.ShouldBeTrue(string.Join("; ", parsed.Errors));
        var options = new ServeOptions
        {
            ConfigPath = configPath,
            Configuration = parsed,
            Port = 0,
            AsyncLoading = asyncLoading,
            LogLevel = LogLevel.Warning,
            ConfigReloadDebounce = TimeSpan.FromMilliseconds(100),
            MaxRequestBodyBytes = 256 * 1024,
            DataDirectory = dataDirectory,
            ConnectionString = connectionString,
        };
        var app = GatewayApp.Build(adjust is null ? options : adjust(options), builder =>
        {
            if (connectionString is not null)
            {
                // `onemcp serve` refuses PostgreSQL without ONEMCP_DATA_PROTECTION_KEY; in process, the tests hand it over
                // (the session relay between replicas derives its key from it).
                builder.Services.AddSingleton(KeyRingEncryptionKey.FromBase64(GatewayProcess.TestDataProtectionKey));
            }

            configureBuilder?.Invoke(builder);
        });
        await app.StartAsync();
        return new GatewayUnderTest(app, directory, configPath) { DataDirectory = dataDirectory };
    }

    /// <summary>Starts the gateway with <c>--enable-auth</c> (and the given scope options).</summary>
    public static Task<GatewayUnderTest> StartWithAuthAsync(
        ConfigBuilder config, string? connectionString = null, Func<ServeOptions, ServeOptions>? adjust = null, Action<WebApplicationBuilder>? configureBuilder = null) =>
        StartAsync(config, connectionString: connectionString, adjust: o => (adjust ?? (x => x))(o with
        {
            EnableAuth = true,

            // Every test signs in from 127.0.0.1; the limits have tests of their own.
            RateLimits = new OAuthRateLimits { PermitsPerWindow = 100_000, SignInPermitsPerWindow = 100_000 },
        }), configureBuilder: configureBuilder);

    public IServiceProvider Services => _app.Services;

    /// <summary>Creates a user through the same use case as <c>onemcp users add</c>.</summary>
    public async Task AddUserAsync(string userName, string password, string role = "member")
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(
            new OneMcp.Application.Users.Commands.AddUserCommand { UserName = userName, Password = password, Role = role });
    }

    public Uri Url(string pathAndQuery) => new(BaseUrl, pathAndQuery);

    /// <summary>An MCP client of <c>/mcp</c> (or <c>/sse</c>), disposed with the gateway.</summary>
    /// <param name="query">The query string, e.g. a filter.</param>
    /// <param name="handlers">The client's handlers (sampling, elicitation, notifications...).</param>
    /// <param name="mode">Streamable HTTP or legacy SSE.</param>
    /// <param name="protocolVersion">The revision to speak: an <c>initialize</c> session unless told otherwise; null lets the SDK choose (it prefers 2026-07-28).</param>
    public async Task<McpClient> ConnectAsync(
        string query = "", McpClientHandlers? handlers = null, HttpTransportMode mode = HttpTransportMode.StreamableHttp, string? protocolVersion = ProtocolEras.Legacy)
    {
        var path = mode == HttpTransportMode.Sse ? "/sse" : "/mcp";
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Url(path + query),
            TransportMode = mode,
        });
        var client = await McpClient.CreateAsync(transport, new McpClientOptions { Handlers = handlers ?? new McpClientHandlers(), ProtocolVersion = protocolVersion });
        _clients.Add(client);
        return client;
    }

    public Task WriteConfigAsync(ConfigBuilder config) => File.WriteAllTextAsync(ConfigPath, config.ToJson());

    public Task WriteConfigAsync(string raw) => File.WriteAllTextAsync(ConfigPath, raw);

    public IBackendConnection Backend(string name) =>
        Pool.Backends.Single(b => b.Name.Value == name);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
