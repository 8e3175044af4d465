using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// One gateway made of three real <c>onemcp serve</c> processes on a PostgreSQL cluster of its own, behind HAProxy
/// started from <c>deploy/haproxy.cfg</c> (round-robin, no stickiness). Every replica runs with <c>--enable-auth</c> and
/// <c>--metrics</c>, the same mcp.json (one stdio test server, <c>alpha</c>), the same data-protection key and external
/// URL (HAProxy's), and its own <c>ONEMCP_REPLICA_URL</c>. The first admin comes from the environment of replica 1.
/// </summary>
public sealed class ReplicaCluster : IAsyncLifetime
{
    public const string Admin = "ada";
    public const string AdminPassword = "correct horse battery staple";
    public const string MetricsToken = "replica-scrape-4b1d";
    public const int Size = 3;
    private const string RedirectUri = "http://127.0.0.1:45571/cb";

    private readonly TestDirectory _directory = new();
    private readonly GatewayProcess?[] _replicas = new GatewayProcess?[Size];
    private readonly int[] _ports = new int[Size];
    private PostgresServer.LocalCluster? _postgres;
    private HaproxyProcess? _haproxy;
    private string _connectionString = string.Empty;
    private string _config = string.Empty;
    private int _frontendPort;

    /// <summary>HAProxy's MCP endpoint: what every client of the cluster uses.</summary>
    public Uri McpUrl => new(Haproxy.Frontend, "/mcp");

    internal HaproxyProcess Haproxy => _haproxy ?? throw new InvalidOperationException("The cluster is not started.");

    internal PostgresServer.LocalCluster Postgres => _postgres ?? throw new InvalidOperationException("The cluster is not started.");

    /// <summary>A token of <see cref="Admin"/> holding <c>onemcp:admin</c>.</summary>
    public string AdminToken { get; private set; } = string.Empty;

    /// <summary>The base address of replica <paramref name="index"/> (1-based), reached directly.</summary>
    public Uri ReplicaUrl(int index) => new($"http://127.0.0.1:{_ports[index - 1]}");

    /// <summary>The MCP endpoint of replica <paramref name="index"/> (1-based), reached directly.</summary>
    public Uri ReplicaMcpUrl(int index) => new(ReplicaUrl(index), "/mcp");

    internal GatewayProcess Replica(int index) => _replicas[index - 1] ?? throw new InvalidOperationException($"Replica {index} is not running.");

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartOwnClusterAsync();
        await using (var connection = new NpgsqlConnection(_postgres.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE onemcp", connection);
            await create.ExecuteNonQueryAsync();
        }

        _connectionString = new NpgsqlConnectionStringBuilder(_postgres.AdminConnectionString) { Database = "onemcp" }.ConnectionString;
        _config = _directory.WriteConfig(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")));
        _frontendPort = GatewayProcess.FreePort();
        for (var i = 0; i < Size; i++)
        {
            _ports[i] = GatewayProcess.FreePort();
        }

        // Replica 1 first: it creates the admin from its environment; the others then start together.
        await StartReplicaAsync(1);
        await Task.WhenAll(StartReplicaAsync(2), StartReplicaAsync(3));
        _haproxy = await HaproxyProcess.StartAsync(_frontendPort, [.. _ports.Select(p => $"127.0.0.1:{p}")]);
        AdminToken = await TokenAsync(Admin, AdminPassword, ["onemcp:admin"]);
    }

    public async Task DisposeAsync()
    {
        if (_haproxy is not null)
        {
            await _haproxy.DisposeAsync();
        }

        foreach (var replica in _replicas)
        {
            if (replica is not null)
            {
                await replica.DisposeAsync();
            }
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        _directory.Dispose();
    }

    /// <summary>A token for <paramref name="user"/> with <paramref name="scopes"/>, through the whole OAuth flow at replica 1.</summary>
    public async Task<string> TokenAsync(string user, string password, string[] scopes)
    {
        var driver = new OAuthFlowDriver(ReplicaUrl(1));
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, scopes, pkce, user, password, selectedScopes: scopes)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return tokens.AccessToken!;
    }

    /// <summary>A REST call with the admin token to replica <paramref name="index"/> directly.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Text, string? RetryAfter)> RestAsync(
        int index, HttpMethod method, string path, JsonNode? body = null)
    {
        using var http = new HttpClient { BaseAddress = ReplicaUrl(index), Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
    }

    /// <summary>Adds a user through REST on replica 1.</summary>
    public async Task AddUserAsync(string name, string password, string role = "member")
    {
        var (status, text, _) = await RestAsync(1, HttpMethod.Post, "/api/users", new JsonObject { ["userName"] = name, ["password"] = password, ["role"] = role });
        status.ShouldBe(System.Net.HttpStatusCode.Created, text);
    }

    /// <summary>Successful tools/call requests replica <paramref name="index"/> has forwarded to <c>alpha</c> (its /metrics).</summary>
    public Task<double> ToolCallsServedAsync(int index) =>
        MetricAsync(index, "onemcp_requests_total", "backend=\"alpha\"", "method=\"tools/call\"", "outcome=\"ok\"");

    /// <summary>
    /// Changes from other replicas that replica <paramref name="index"/> followed, of <paramref name="kind"/>
    /// (<c>backends</c>, ..., or <c>resynchronisation</c> for a full re-read of the store), from its /metrics.
    /// </summary>
    public Task<double> ChangesFollowedAsync(int index, string kind) =>
        MetricAsync(index, "onemcp_changes_followed_total", $"kind=\"{kind}\"");

    private async Task<double> MetricAsync(int index, string name, params string[] labels)
    {
        using var http = new HttpClient { BaseAddress = ReplicaUrl(index), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MetricsToken);
        var text = await http.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>SIGKILLs replica <paramref name="index"/> (and the backends it started), as a crash would.</summary>
    public async Task KillAsync(int index)
    {
        var replica = Replica(index);
        _replicas[index - 1] = null;
        await replica.KillAsync();
        await replica.DisposeAsync();
    }

    public string Describe() =>
        string.Join("\n", _replicas.Select((r, i) => $"--- replica {i + 1}:\n" + (r?.Describe() ?? "(not running)"))) +
        "\n--- haproxy:\n" + (_haproxy?.Describe() ?? "(not running)");

    private async Task StartReplicaAsync(int index)
    {
        // The port was free when picked, but an outgoing connection may take it before the replica binds it: then
        // the replica starts again on another one (HAProxy, started after the replicas, learns the final ports).
        for (var attempt = 1; ; attempt++)
        {
            var replica = StartReplica(index);
            try
            {
                await replica.WaitForListeningAsync();
                _replicas[index - 1] = replica;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && replica.StandardError.Any(l => l.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
            {
                await replica.DisposeAsync();
                _ports[index - 1] = GatewayProcess.FreePort();
            }
            catch
            {
                await replica.DisposeAsync();
                throw;
            }
        }
    }

    private GatewayProcess StartReplica(int index)
    {
        var port = _ports[index - 1];
        var environment = new Dictionary<string, string>
        {
            ["ONEMCP_REPLICA_URL"] = $"http://127.0.0.1:{port}",
            ["ONEMCP_METRICS_TOKEN"] = MetricsToken,
        };
        if (index == 1)
        {
            environment["ONEMCP_ADMIN_USERNAME"] = Admin;
            environment["ONEMCP_ADMIN_PASSWORD"] = AdminPassword;
        }

        string[] args =
        [
            "serve", "--config", _config, "--port", port.ToString(CultureInfo.InvariantCulture), "--database", _connectionString,
            "--enable-auth", "--metrics", "--external-url", $"http://127.0.0.1:{_frontendPort}",
        ];
        return GatewayProcess.Start(args, _directory.Path, environment);
    }
}
