using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Npgsql;
using OneMcp.Infrastructure.Persistence;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>
/// The gateway's state across real process lifetimes (<c>dotnet onemcp.dll serve</c>): a clean restart on
/// each engine, replicas starting together on one PostgreSQL database, and no committed write lost to SIGKILL.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class DurabilityTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Restart_WhenABackendWasRegisteredThroughTheApi_ComesBackFromTheStoreAndConnects(string engine)
    {
        string[] store = engine == "sqlite"
            ? ["--data-dir", _directory.File("data")]
            : ["--database", postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync())];
        var config = DurableGateway.EmptyConfig(_directory);

        await using (var first = await DurableGateway.StartAsync(_directory, config, store))
        {
            using var rest = new JsonHttp(first.BaseUrl);
            var created = await rest.SendAsync(HttpMethod.Post, "/api/backends", Definitions.TestServer("beta"));
            created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
            created.Str("origin").ShouldBe("api");
            await rest.WaitForConnectedAsync("beta", first);

            await first.TerminateAsync();
            (await first.WaitForExitAsync()).ShouldBe(0, first.Describe());
        }

        await using var second = await DurableGateway.StartAsync(_directory, config, store);
        using var again = new JsonHttp(second.BaseUrl);
        var list = await again.SendAsync(HttpMethod.Get, "/api/backends");
        list.Status.ShouldBe(HttpStatusCode.OK, list.Text);
        list.Json!.AsArray().Select(b => $"{b!["name"]}:{b["origin"]}").ShouldBe(["beta:api"]);
        await again.WaitForConnectedAsync("beta", second);

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = second.McpUrl }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });
        var echoed = await client.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "still here" });
        (echoed.IsError ?? false).ShouldBeFalse();
        echoed.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("still here");
    }

    [Fact]
    public async Task Start_WhenTwoGatewaysStartTogetherOnAnEmptyPostgresDatabase_BothServeAndEachScriptIsJournaledOnce()
    {
        var config = DurableGateway.EmptyConfig(_directory);
        var scripts = DatabaseMigrator.ScriptNames(SqlDialect.Postgres);
        for (var round = 0; round < 3; round++)
        {
            var connectionString = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());
            string[] args = [.. DurableGateway.ServeArgs(config), "--database", connectionString];

            await using var one = GatewayProcess.Start(args, _directory.Path);
            await using var two = GatewayProcess.Start(args, _directory.Path);
            await Task.WhenAll(one.WaitForListeningAsync(), two.WaitForListeningAsync());

            foreach (var gateway in new[] { one, two })
            {
                using var rest = new JsonHttp(gateway.BaseUrl);
                var health = await rest.SendAsync(HttpMethod.Get, "/health");
                health.Status.ShouldBe(HttpStatusCode.OK, $"round {round}: {health.Text}\n{gateway.Describe()}");
            }

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var journal = (await connection.QueryAsync<string>("SELECT scriptname FROM schemaversions ORDER BY scriptname")).ToList();
            journal.ShouldBe(scripts.ToList(), $"round {round}");
        }
    }

    [Fact]
    public async Task Kill_RightAfterSuccessfulApiWritesOnSqlite_EveryWriteIsThereAfterRestart()
    {
        var config = DurableGateway.EmptyConfig(_directory);
        string[] store = ["--data-dir", _directory.File("data")];
        string[] names = ["p1", "p2", "p3", "p4", "p5"];

        await using (var first = await DurableGateway.StartAsync(_directory, config, store))
        {
            using var rest = new JsonHttp(first.BaseUrl);
            foreach (var name in names)
            {
                var created = await rest.SendAsync(HttpMethod.Post, "/api/presets", new JsonObject { ["name"] = name, ["expression"] = "web", ["description"] = "made by " + name });
                created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
            }

            await first.KillAsync();
        }

        await using (var second = await DurableGateway.StartAsync(_directory, config, store))
        {
            using var rest = new JsonHttp(second.BaseUrl);
            (await rest.PresetNamesAsync()).ShouldBe(names);
            (await rest.SendAsync(HttpMethod.Get, "/api/presets/p5")).Str("description").ShouldBe("made by p5");

            // Updates and deletes are commits too.
            var updated = await rest.SendAsync(HttpMethod.Put, "/api/presets/p1", new JsonObject { ["expression"] = "db", ["expectedVersion"] = 1 });
            updated.Status.ShouldBe(HttpStatusCode.OK, updated.Text);
            (await rest.SendAsync(HttpMethod.Delete, "/api/presets/p2")).Status.ShouldBe(HttpStatusCode.NoContent);

            await second.KillAsync();
        }

        await using var third = await DurableGateway.StartAsync(_directory, config, store);
        using var after = new JsonHttp(third.BaseUrl);
        (await after.PresetNamesAsync()).ShouldBe(["p1", "p3", "p4", "p5"]);
        var p1 = await after.SendAsync(HttpMethod.Get, "/api/presets/p1");
        p1.Str("expression").ShouldBe("db");
        p1.Json!["version"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task Serve_WhenAnotherGatewayServesTheSameSqliteDatabase_ExitsWithOneLineAndChangesNothing()
    {
        // Two gateways on the default data directory with different mcp.json files: the second's sync would delete
        // the first's backends (and their credentials) from the store they share.
        var data = _directory.File("data");
        var firstConfig = _directory.WriteConfig(new ConfigBuilder().Add("alpha", new JsonObject { ["command"] = "onemcp-never-started", ["disabled"] = true }), "first.json");
        var secondConfig = _directory.WriteConfig(new ConfigBuilder(), "second.json");
        await using var first = await DurableGateway.StartAsync(_directory, firstConfig, ["--data-dir", data]);
        using var rest = new JsonHttp(first.BaseUrl);
        (await rest.BackendNamesAsync()).ShouldBe(["alpha"]);

        await using var second = GatewayProcess.Start([.. DurableGateway.ServeArgs(secondConfig), "--data-dir", data], _directory.Path);

        await Should.ThrowAsync<InvalidOperationException>(second.WaitForListeningAsync(), "the second gateway must not serve");
        (await second.WaitForExitAsync()).ShouldBe(1);
        second.StandardError.ShouldHaveSingleItem().ShouldStartWith(
            $"onemcp: cannot start: another gateway is already serving the database {Path.Combine(data, PersistenceOptions.SqliteFileName)}.");
        (await rest.BackendNamesAsync()).ShouldBe(["alpha"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_WhenGivenADataDirectory_CreatesItWithTheDatabaseFileThere(bool throughEnvironment)
    {
        var dataDirectory = Path.Combine(_directory.Path, "not", "yet", "there");
        var config = DurableGateway.EmptyConfig(_directory);
        var args = DurableGateway.ServeArgs(config);
        var environment = new Dictionary<string, string>();
        if (throughEnvironment)
        {
            environment["ONEMCP_DATA_DIR"] = dataDirectory;
        }
        else
        {
            args = [.. args, "--data-dir", dataDirectory];
        }

        await using var gateway = GatewayProcess.Start(args, _directory.Path, environment);
        await gateway.WaitForListeningAsync();

        Directory.Exists(dataDirectory).ShouldBeTrue(gateway.Describe());
        File.Exists(Path.Combine(dataDirectory, "onemcp.db")).ShouldBeTrue(gateway.Describe());
        Directory.Exists(Path.Combine(gateway.DataHome, "onemcp")).ShouldBeFalse("the default data directory must stay untouched");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_WhenThePostgresDatabaseIsUnreachable_ExitsNonZeroWithOneLineThatHidesThePassword(bool throughEnvironment)
    {
        const string password = "Zq7-secret-pw-81";
        var connectionString = $"Host=127.0.0.1;Port=1;Username=onemcp;Password={password};Database=onemcp;Timeout=5";
        var args = DurableGateway.ServeArgs(DurableGateway.EmptyConfig(_directory));
        var environment = new Dictionary<string, string>();
        if (throughEnvironment)
        {
            environment["ONEMCP_DATABASE"] = connectionString;
        }
        else
        {
            args = [.. args, "--database", connectionString];
        }

        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync(args, _directory.Path, environment);

        exitCode.ShouldNotBe(0);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp:");
        line.ShouldNotContain(password);
        stdout.ShouldNotContain(l => l.Contains(password, StringComparison.Ordinal));
        stdout.ShouldNotContain(l => l.StartsWith("OneMcp listening on", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Usernme=onemcp;Password=Zq7-secret-pw-81;Database=onemcp")]
    [InlineData("Host=127.0.0.1;Password=Zq7;secret-pw-81;Database=onemcp")]
    [InlineData("Host=127.0.0.1;Port=abc;Username=onemcp;Password=Zq7-secret-pw-81")]
    public async Task Serve_WhenTheDatabaseConnectionStringIsMalformed_ExitsTwoWithOneLineThatHidesThePassword(string connectionString)
    {
        var args = DurableGateway.ServeArgs(DurableGateway.EmptyConfig(_directory));

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync([.. args, "--database", connectionString], _directory.Path);

        exitCode.ShouldBe(2, string.Join('\n', stderr));
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp:");
        line.ShouldNotContain("Zq7-secret-pw-81");
        line.ShouldNotContain("secret-pw-81");
    }
}

/// <summary>Starting a gateway process on a given store, and the mcp.json it is given.</summary>
internal static class DurableGateway
{
    public static string EmptyConfig(TestDirectory directory) =>
        File.Exists(directory.File("mcp.json")) ? directory.File("mcp.json") : directory.WriteConfig(new ConfigBuilder());

    public static string[] ServeArgs(string config) => ["serve", "--config", config, "--port", "0"];

    /// <summary>Starts a gateway on <paramref name="store"/> (its <c>--data-dir</c> or <c>--database</c>) and waits until it listens.</summary>
    public static async Task<GatewayProcess> StartAsync(TestDirectory directory, string config, string[] store)
    {
        var gateway = GatewayProcess.Start([.. ServeArgs(config), .. store], directory.Path);
        try
        {
            await gateway.WaitForListeningAsync();
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }
}

/// <summary>JSON over HTTP against a gateway process's REST API.</summary>
internal sealed class JsonHttp(Uri baseUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseUrl };

    public async Task<RestResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RestResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }

    public async Task<List<string>> PresetNamesAsync()
    {
        var list = await SendAsync(HttpMethod.Get, "/api/presets");
        list.Status.ShouldBe(HttpStatusCode.OK, list.Text);
        return [.. list.Json!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal)];
    }

    public async Task<List<string>> BackendNamesAsync()
    {
        var list = await SendAsync(HttpMethod.Get, "/api/backends");
        list.Status.ShouldBe(HttpStatusCode.OK, list.Text);
        return [.. list.Json!.AsArray().Select(b => b!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal)];
    }

    public Task WaitForConnectedAsync(string backend, GatewayProcess gateway) =>
        Eventually.ValueAsync(
            () => SendAsync(HttpMethod.Get, $"/api/backends/{backend}"),
            r => r.Json?["runtime"]?["status"]?.GetValue<string>() == "connected",
            $"{backend} to show as connected (pid {gateway.Id})");

    public void Dispose() => _http.Dispose();
}
