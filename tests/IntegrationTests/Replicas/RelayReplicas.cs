using System.Globalization;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Two real gateway processes (<see cref="A"/> and <see cref="B"/>) on one fresh PostgreSQL database, each with its
/// <c>--replica-url</c> and <c>--metrics</c>, both serving the same mcp.json: one stdio test server named <c>t</c>.
/// With <c>--enable-auth</c> both have A's address as <c>--external-url</c>: one issuer, whose tokens both accept.
/// </summary>
internal sealed partial class RelayReplicas : IAsyncDisposable
{
    public const string Backend = "t";

    /// <summary>The bearer <c>/metrics</c> takes when auth is on (<c>ONEMCP_METRICS_TOKEN</c>).</summary>
    private const string MetricsToken = "relay-tests-metrics-token";

    private RelayReplicas(GatewayProcess a, GatewayProcess b, string connectionString)
    {
        A = a;
        B = b;
        ConnectionString = connectionString;
    }

    /// <summary>The database both replicas use.</summary>
    public string ConnectionString { get; }

    public GatewayProcess A { get; }

    public GatewayProcess B { get; }

    public static async Task<RelayReplicas> StartAsync(
        PostgresFixture postgres, TestDirectory directory, string[]? extraArgs = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var config = directory.WriteConfig(new ConfigBuilder().Add(Backend, ConfigBuilder.StdioTestServer(Backend)));
            var connectionString = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());
            var (portA, portB) = (GatewayProcess.FreePort(), GatewayProcess.FreePort());
            var args = extraArgs;
            if (args?.Contains("--enable-auth") == true)
            {
                // One issuer for both, as behind one address: each replica accepts the other's tokens (the relaying one
                // checks them before it looks a session up).
                args = [.. args, "--external-url", $"http://127.0.0.1:{portA}"];
            }

            var a = Start(directory, config, connectionString, portA, args, environment);
            var b = Start(directory, config, connectionString, portB, args, environment);
            var replicas = new RelayReplicas(a, b, connectionString);
            try
            {
                await Task.WhenAll(a.WaitForListeningAsync(), b.WaitForListeningAsync());
                return replicas;
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.Ordinal))
            {
                // The free port was taken by another process (an outgoing connection's ephemeral port) between
                // FreePort and the replica's bind, seconds later: start the pair again on other ports.
                await replicas.DisposeAsync();
            }
            catch
            {
                await replicas.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// A legacy C# SDK client whose session is created on <see cref="A"/> and whose every later request goes to
    /// <see cref="B"/> (<paramref name="sse"/>: the legacy SSE transport, its GET on A and its POSTs to B).
    /// </summary>
    public async Task<(McpClient Client, HostSwitch Switch)> ConnectThroughBAsync(McpClientHandlers? handlers = null, bool sse = false, string? token = null)
    {
        var hostSwitch = new HostSwitch(B.BaseUrl, token) { InnerHandler = new HttpClientHandler() };
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = sse ? new Uri(A.BaseUrl, "/sse") : A.McpUrl,
                TransportMode = sse ? HttpTransportMode.Sse : HttpTransportMode.StreamableHttp,
            },
            new HttpClient(hostSwitch),
            ownsHttpClient: true);
        var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy, Handlers = handlers ?? new McpClientHandlers() });
        return (client, hostSwitch);
    }

    /// <summary>The value of <c>onemcp_session_relays_total{outcome}</c> on <paramref name="gateway"/> (0 when not yet counted).</summary>
    public static async Task<long> RelaysAsync(GatewayProcess gateway, string outcome)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", MetricsToken);
        var text = await http.GetStringAsync("/metrics");
        var match = RelayLine().Matches(text).FirstOrDefault(m => m.Groups["outcome"].Value == outcome);
        return match is null ? 0 : long.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The value of an unlabelled metric on <paramref name="gateway"/>.</summary>
    public static async Task<long> MetricAsync(GatewayProcess gateway, string name)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", MetricsToken);
        var line = (await http.GetStringAsync("/metrics")).Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return (long)double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    private static GatewayProcess Start(TestDirectory directory, string config, string connectionString, int port, string[]? extraArgs, IReadOnlyDictionary<string, string>? environment)
    {
        string[] args =
        [
            "serve", "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture), "--database", connectionString,
            "--replica-url", $"http://127.0.0.1:{port}", "--metrics", .. extraArgs ?? [],
        ];
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["ONEMCP_METRICS_TOKEN"] = MetricsToken };
        return GatewayProcess.Start(args, directory.Path, variables);
    }

    [GeneratedRegex("""^onemcp_session_relays_total\{outcome="(?<outcome>[a-z_]+)"\} (?<value>\d+)""", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex RelayLine();
}
