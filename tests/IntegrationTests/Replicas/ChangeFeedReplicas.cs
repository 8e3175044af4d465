using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Npgsql;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Two real gateway processes (<c>serve --enable-auth</c>) on one fresh PostgreSQL database, as two replicas of one
/// gateway: <see cref="A"/> (where changes are made) and <see cref="B"/> (which must follow them), with an
/// administrator's token for the REST API and direct SQL on the database for what no replica should be told.
/// </summary>
internal sealed class ChangeFeedReplicas : IAsyncDisposable
{
    public const string Admin = "alice";
    public const string Password = "correct horse battery staple";
    private const string RedirectUri = "https://agent.example.com/oauth/callback";

    private ChangeFeedReplicas(GatewayProcess a, GatewayProcess b, string connectionString)
    {
        A = a;
        B = b;
        ConnectionString = connectionString;
    }

    public GatewayProcess A { get; }

    public GatewayProcess B { get; }

    public string ConnectionString { get; }

    public string AdminToken { get; private set; } = string.Empty;

    public static async Task<ChangeFeedReplicas> StartAsync(PostgresFixture postgres, TestDirectory directory)
    {
        var connectionString = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());
        var config = DurableGateway.EmptyConfig(directory);
        var environment = new Dictionary<string, string> { ["ONEMCP_ADMIN_USERNAME"] = Admin, ["ONEMCP_ADMIN_PASSWORD"] = Password };

        // Replicas of one gateway share its external URL (the tokens' issuer and audience), here A's address.
        var portA = GatewayProcess.FreePort();
        var external = $"http://127.0.0.1:{portA}";
        string[] Args(int port) =>
            ["serve", "--config", config, "--port", port.ToString(CultureInfo.InvariantCulture), "--external-url", external, "--database", connectionString, "--enable-auth"];

        // A first: it creates the administrator, whom B then finds.
        var a = GatewayProcess.Start(Args(portA), directory.Path, environment);
        GatewayProcess? b = null;
        try
        {
            await a.WaitForListeningAsync();
            b = GatewayProcess.Start(Args(GatewayProcess.FreePort()), directory.Path, environment);
            await b.WaitForListeningAsync();
            var replicas = new ChangeFeedReplicas(a, b, connectionString);
            replicas.AdminToken = (await TokenAsync(a, Admin, Password, ["onemcp:admin"])).AccessToken;
            return replicas;
        }
        catch
        {
            await a.DisposeAsync();
            if (b is not null)
            {
                await b.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>A token of <paramref name="user"/> from <paramref name="gateway"/>'s OAuth server, with the client it was issued to.</summary>
    public static async Task<(string ClientId, string AccessToken)> TokenAsync(GatewayProcess gateway, string user, string password, string[] ticked)
    {
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri], clientName: "Replica test client")).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, ["onemcp:admin"], pkce, user, password, selectedScopes: ticked)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return (client, tokens.AccessToken!);
    }

    /// <summary>A REST call as the administrator.</summary>
    public async Task<RestResponse> RestAsync(GatewayProcess gateway, HttpMethod method, string path, JsonNode? body = null)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RestResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }

    /// <summary>A legacy (session) MCP client of <paramref name="gateway"/>, as the administrator, recording tools/list_changed.</summary>
    public Task<McpClient> LegacyClientAsync(GatewayProcess gateway, NotificationLog toolsChanged, string query = "") =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(gateway.McpUrl + query),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + AdminToken },
            }),
            new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy, Handlers = Gateway.HotReloadTests.Recording(toolsChanged) });

    /// <summary>Ends every replica's listen connection, as a network cut or a database failover would.</summary>
    public async Task<int> TerminateListenConnectionsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " +
            "WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
            connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs SQL on the shared database behind every replica's back (no notification).</summary>
    public async Task ExecuteAsync(string sql, params NpgsqlParameter[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        (await command.ExecuteNonQueryAsync()).ShouldBe(1, sql);
    }

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}
