using System.Reflection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.Infrastructure.Backends;

/// <summary>Creates the SDK client transport for a backend's settings.</summary>
public sealed class McpClientFactory(ILoggerFactory loggerFactory, BackendTokenSource tokens) : IDisposable
{
    // One connection pool for every HTTP backend; request timeouts are the gateway's own, per backend. The trace
    // context is put on each request by TraceContextHandler instead of .NET's own propagation (see there), and every
    // Mcp-Name header is encoded by McpNameHeaderHandler. The pool keeps no cookies: each connection keeps its own
    // (ConnectionCookies), so one user's never go out with another user's requests.
    private readonly TraceContextHandler _connections = new()
    {
        InnerHandler = new McpNameHeaderHandler
        {
            InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ActivityHeadersPropagator = null, UseCookies = false },
        },
    };

    // Variables beyond the SDK's safe default set that common runtimes need to start at all. Everything
    // else of the gateway's own environment (database passwords, admin credentials) stays out of backends.
    private static readonly string[] ExtraInheritedVariables =
        ["DOTNET_ROOT", "DOTNET_CLI_HOME", "NUGET_PACKAGES", "LANG", "LC_ALL", "TZ", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "NODE_PATH", "NVM_DIR"];

    private static readonly string GatewayVersion =
        typeof(McpClientFactory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// The transport of one connection to a backend (<paramref name="tokenRejected"/> is called when it refuses the
    /// OAuth token sent with a request; a stdio backend's progress goes to <paramref name="progress"/> as it is read),
    /// and how its forwarded calls can be sent without the SDK client's pipeline (<paramref name="direct"/>, for a stdio
    /// or streamable HTTP backend). With <paramref name="owner"/> set it is one
    /// user's connection to a per-user backend: HTTP requests carry that user's OAuth token; <paramref name="settings"/>
    /// already hold that user's secrets.
    /// </summary>
    internal IClientTransport CreateTransport(
        BackendSettings settings, ConnectionOwner? owner, BackendProgressRoutes progress, Action<string> stderrLine, Action tokenRejected, out DirectRoute? direct)
    {
        direct = null;
        IClientTransport inner;
        switch (settings)
        {
            case StdioBackendSettings stdio:
                var pipe = new StdioBackendTransport(
                    new StdioClientTransportOptions
                    {
                        Name = stdio.Name.Value,
                        Command = stdio.Command,
                        Arguments = [.. stdio.Args],
                        WorkingDirectory = stdio.WorkingDirectory,
                        InheritEnvironmentVariables = false,
                        EnvironmentVariables = BuildEnvironment(stdio),
                        ShutdownTimeout = TimeSpan.FromSeconds(2),
                        StandardErrorLines = stderrLine,
                    },
                    progress,
                    loggerFactory);
                inner = pipe;
                direct = new DirectStdioRoute(pipe);
                break;
            case HttpBackendSettings http:
                var client = BackendHttpClient(http.Name, owner, tokenRejected);
                var headers = new Dictionary<string, string>(http.Headers) { ["User-Agent"] = $"OneMcp/{GatewayVersion}" };
                var streamable = http is not SseBackendSettings;
                inner = new HttpClientTransport(
                    new HttpClientTransportOptions
                    {
                        Name = http.Name.Value,
                        Endpoint = http.Url,
                        TransportMode = streamable ? HttpTransportMode.StreamableHttp : HttpTransportMode.Sse,
                        ConnectionTimeout = http.ConnectionTimeout,
                        AdditionalHeaders = headers,
                    },
                    client,
                    loggerFactory,
                    ownsHttpClient: false);
                direct = streamable ? new DirectHttpEndpoint(client, http.Url, headers, http.Name.Value, loggerFactory.CreateLogger<DirectBackendCalls>()) : null;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Transport, "Unknown transport.");
        }

        return new LogLevelForwardingTransport(inner);
    }

    /// <summary>
    /// No protocol version is pinned: the SDK client probes <c>server/discover</c> and speaks 2026-07-28 to a backend
    /// that answers it, and falls back to the <c>initialize</c> handshake (a session) with one that does not.
    /// </summary>
    public static McpClientOptions CreateClientOptions(McpClientHandlers handlers) => new()
    {
        ClientInfo = new Implementation { Name = "onemcp", Version = GatewayVersion },
        Handlers = handlers,
    };

    /// <summary>Whether the backend is called with an OAuth access token the gateway holds for it.</summary>
    public bool HasOAuthTokens(ServerName backend) => tokens.HasTokens(backend);

    public void Dispose() => _connections.Dispose();

    // Each connection's client sends its own cookies and that backend's OAuth token (if it has one) over the shared
    // connection pool. The client and its handlers are never disposed: that would dispose the shared pool under them;
    // they hold nothing else.
    private HttpClient BackendHttpClient(ServerName backend, ConnectionOwner? owner, Action tokenRejected) =>
        new(new ConnectionCookies { InnerHandler = new BackendBearerHandler(backend, owner, tokens, tokenRejected) { InnerHandler = _connections } }, disposeHandler: false)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    private static Dictionary<string, string?> BuildEnvironment(StdioBackendSettings settings)
    {
        var environment = StdioClientTransportOptions.GetDefaultEnvironmentVariables();
        foreach (var name in ExtraInheritedVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        foreach (var (name, value) in settings.Environment)
        {
            environment[name] = value;
        }

        return environment;
    }
}
