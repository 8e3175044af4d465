using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Security;

/// <summary>
/// Backend env values, header values and OAuth client secrets at rest: a real gateway process on its SQLite file,
/// whose bytes are read after it stops. Rows an older gateway wrote in clear are encrypted at the next start and
/// still reach the backend; PostgreSQL needs the key ring's key.
/// </summary>
public sealed class BackendSecretsAtRestTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RegisterBackend_WithSecrets_NoSecretValueReachesTheDatabaseFileAndTheBackendGetsItsEnv()
    {
        var data = _directory.File("data");
        var marker = "atrest" + Guid.NewGuid().ToString("N")[..8];
        var envSecret = "env-s3cret-" + Guid.NewGuid().ToString("N");
        var headerSecret = "hdr-s3cret-" + Guid.NewGuid().ToString("N");
        var clientSecret = "oauth-s3cret-" + Guid.NewGuid().ToString("N");
        await using (var gateway = await DurableGateway.StartAsync(_directory, DurableGateway.EmptyConfig(_directory), ["--data-dir", data]))
        {
            using var rest = new JsonHttp(gateway.BaseUrl);
            var stdio = Definitions.TestServer(marker);
            stdio["env"] = new JsonObject { ["ONEMCP_TEST_SECRET"] = envSecret };
            var created = await rest.SendAsync(HttpMethod.Post, "/api/backends", stdio);
            created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
            var remote = await rest.SendAsync(HttpMethod.Post, "/api/backends", new JsonObject
            {
                ["name"] = marker + "-remote",
                ["url"] = "http://127.0.0.1:9/mcp",
                ["headers"] = new JsonObject { ["X-Api-Key"] = headerSecret },
                ["oauth"] = new JsonObject { ["clientId"] = "gateway", ["clientSecret"] = clientSecret },
            });
            remote.Status.ShouldBe(HttpStatusCode.Created, remote.Text);
            await rest.WaitForConnectedAsync(marker, gateway);

            BackendEnvironment(marker).ShouldContain($"ONEMCP_TEST_SECRET={envSecret}");

            await gateway.TerminateAsync();
            (await gateway.WaitForExitAsync()).ShouldBe(0, gateway.Describe());
        }

        var files = DatabaseBytes(data);
        files.ShouldNotContain(envSecret);
        files.ShouldNotContain(headerSecret);
        files.ShouldNotContain(clientSecret);
    }

    [Fact]
    public async Task Start_WithARowStoredInClearByAnOlderVersion_EncryptsItAndTheBackendStillGetsItsEnv()
    {
        var data = _directory.File("data");
        var config = DurableGateway.EmptyConfig(_directory);
        var marker = "cleared" + Guid.NewGuid().ToString("N")[..8];
        var envSecret = "env-s3cret-" + Guid.NewGuid().ToString("N");
        await using (var first = await DurableGateway.StartAsync(_directory, config, ["--data-dir", data]))
        {
            using var rest = new JsonHttp(first.BaseUrl);
            var created = await rest.SendAsync(HttpMethod.Post, "/api/backends", Definitions.TestServer(marker));
            created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
            await first.TerminateAsync();
            (await first.WaitForExitAsync()).ShouldBe(0, first.Describe());
        }

        // What a gateway from before the encryption wrote: the env value in the JSON column, in clear.
        await WriteClearEnvAsync(data, marker, envSecret);
        DatabaseBytes(data).ShouldContain(envSecret);

        await using (var second = await DurableGateway.StartAsync(_directory, config, ["--data-dir", data]))
        {
            using var rest = new JsonHttp(second.BaseUrl);
            await rest.WaitForConnectedAsync(marker, second);

            BackendEnvironment(marker).ShouldContain($"ONEMCP_TEST_SECRET={envSecret}");
            second.StandardOutput.ShouldContain(l => l.Contains("Encrypted the env values", StringComparison.Ordinal), second.Describe());
            await second.TerminateAsync();
            (await second.WaitForExitAsync()).ShouldBe(0, second.Describe());
        }

        DatabaseBytes(data).ShouldNotContain(envSecret);
    }

    [Fact]
    public async Task Serve_OnPostgresWithoutTheDataProtectionKey_ExitsTwoSayingHowToMakeOne()
    {
        const string password = "Zq7-secret-pw-81";
        var args = DurableGateway.ServeArgs(DurableGateway.EmptyConfig(_directory));

        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync(
            [.. args, "--database", $"Host=127.0.0.1;Port=1;Username=onemcp;Password={password};Database=onemcp"],
            _directory.Path,
            new Dictionary<string, string> { ["ONEMCP_DATA_PROTECTION_KEY"] = "" });

        exitCode.ShouldBe(2);
        stdout.ShouldBeEmpty();
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp: ONEMCP_DATA_PROTECTION_KEY is required with PostgreSQL");
        line.ShouldContain("openssl rand -base64 32");
        line.ShouldNotContain(password);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")]
    public async Task Serve_WithAMalformedDataProtectionKey_ExitsTwoNamingIt(string key)
    {
        var args = DurableGateway.ServeArgs(DurableGateway.EmptyConfig(_directory));

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(
            [.. args, "--data-dir", _directory.File("data")], _directory.Path, new Dictionary<string, string> { ["ONEMCP_DATA_PROTECTION_KEY"] = key });

        exitCode.ShouldBe(2);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp: ONEMCP_DATA_PROTECTION_KEY must be the base64 encoding of 32 random bytes");
        Directory.Exists(_directory.File("data")).ShouldBeFalse("a refused start changes nothing");
    }

    private static async Task WriteClearEnvAsync(string data, string backend, string secret)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(data, "onemcp.db"), Pooling = false }.ConnectionString;
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT settings FROM backends WHERE name = $name";
        read.Parameters.AddWithValue("$name", backend);
        var settings = JsonNode.Parse((string)(await read.ExecuteScalarAsync())!)!.AsObject();
        settings.Remove("secrets");
        settings["env"] = new JsonObject { ["ONEMCP_TEST_SECRET"] = secret };
        await using var write = connection.CreateCommand();
        write.CommandText = "UPDATE backends SET settings = $settings WHERE name = $name";
        write.Parameters.AddWithValue("$settings", settings.ToJsonString());
        write.Parameters.AddWithValue("$name", backend);
        (await write.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    // Every file of the store (the database, its write-ahead log and shared memory), as text for a byte search.
    private static string DatabaseBytes(string data) =>
        string.Join('\n', Directory.EnumerateFiles(data, "onemcp.db*").Select(f => Encoding.Latin1.GetString(ReadShared(f))));

    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    private static string BackendEnvironment(string marker)
    {
        var (pid, _) = GatewayProcess.ProcessCommandLines().Single(p => p.CommandLine.Contains(marker, StringComparison.Ordinal) && !p.CommandLine.Contains("onemcp.dll", StringComparison.Ordinal));
        return File.ReadAllText($"/proc/{pid}/environ").Replace('\0', '\n');
    }
}
