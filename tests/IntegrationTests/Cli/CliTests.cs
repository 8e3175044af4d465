using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Cli;

/// <summary>
/// The real built gateway run as <c>dotnet onemcp.dll serve ...</c>: its command line, exit codes and
/// environment variables, seen from outside the process.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ServeHelp_WhenAsked_ExitsZeroAndDocumentsEveryFlag()
    {
        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync(["serve", "--help"], _directory.Path);

        exitCode.ShouldBe(0);
        stderr.ShouldBeEmpty();
        var help = string.Join('\n', stdout);
        foreach (var flag in new[] { "--config", "--port", "--host", "--external-url", "--log-level", "--enable-async-loading",
            "--enable-auth", "--enable-scope-validation", "--scope-match", "--session-ttl", "--trust-proxy", "--database", "--data-dir",
            "--allow-insecure-network", "--log-format", "--metrics", "--audit-retention-days", "--disable-audit", "--replica-url" })
        {
            help.ShouldContain(flag);
        }

        help.ShouldContain("ONEMCP_ALLOW_INSECURE_NETWORK");
        help.ShouldContain("ONEMCP_DATA_PROTECTION_KEY");
        help.ShouldContain("ONEMCP_REPLICA_URL");
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--port 70000")]
    [InlineData("--port abc")]
    [InlineData("--log-level loud")]
    [InlineData("--log-format yaml")]
    [InlineData("--external-url notaurl")]
    [InlineData("--replica-url notaurl")]
    [InlineData("--host bad!host")]
    [InlineData("--enable-auth --scope-match some")]
    [InlineData("--enable-auth --session-ttl 0")]
    [InlineData("--enable-auth --session-ttl forever")]
    [InlineData("--enable-auth --trust-proxy 10.0.0.0/99")]
    [InlineData("--enable-auth --trust-proxy proxy.local")]
    [InlineData("--audit-retention-days 0")]
    [InlineData("--audit-retention-days forever")]
    public async Task Serve_WithABadArgument_ExitsTwoWithOneErrorLine(string arguments)
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", .. arguments.Split(' ')], _directory.Path);

        exitCode.ShouldBe(2);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp:");
        line.ShouldContain(arguments.Split(' ')[^1].TrimStart('-'));
    }

    [Fact]
    public async Task Serve_WithScopeValidationButNoAuth_ExitsTwoSayingAuthIsNeeded()
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--enable-scope-validation", "--port", "0"], _directory.Path);

        exitCode.ShouldBe(2);
        stderr.ShouldHaveSingleItem().ShouldBe("onemcp: --enable-scope-validation needs --enable-auth: scopes come from the gateway's OAuth tokens.");
    }

    [Theory]
    [InlineData("serve", "under a file")]
    [InlineData("serve", "not permitted")]
    [InlineData("migrate", "not permitted")]
    [InlineData("users add carol --password-stdin", "not permitted")]
    public async Task ACommand_WhoseDataDirectoryCannotBeCreated_ExitsOneWithOneLine(string command, string why)
    {
        // Under a regular file the directory cannot exist (an IOException); under /sys even root may not create one
        // (EPERM, which .NET reports as UnauthorizedAccessException, not as an IOException).
        File.WriteAllText(_directory.File("plain-file"), "not a directory");
        var data = why == "under a file" ? Path.Combine(_directory.File("plain-file"), "data") : "/sys/onemcp-tests-" + Guid.NewGuid().ToString("N");

        // users add reads (and checks) its password before it creates anything.
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync([.. command.Split(' '), "--data-dir", data], _directory.Path, standardInput: "correct horse battery\n");

        exitCode.ShouldBe(1, string.Join('\n', stderr));
        stderr.ShouldHaveSingleItem().ShouldStartWith("onemcp: cannot ");
    }

    [Fact]
    public async Task Serve_WithADamagedKeyFile_ExitsOneNamingTheFile()
    {
        var data = _directory.File("data");
        Directory.CreateDirectory(data);
        var keyFile = Path.Combine(data, "onemcp.key");
        File.WriteAllText(keyFile, "not a key");

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--port", "0", "--data-dir", data], _directory.Path);

        exitCode.ShouldBe(1, string.Join('\n', stderr));
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith($"onemcp: cannot start: The key file {keyFile} does not hold a key");
        line.ShouldNotContain("ONEMCP_DATA_PROTECTION_KEY");
    }

    [Fact]
    public async Task Serve_WithADatabaseFileItCannotWrite_ExitsOneNamingTheFile()
    {
        var data = _directory.File("data");
        (await GatewayProcess.RunAsync(["migrate", "--data-dir", data], _directory.Path)).ExitCode.ShouldBe(0);
        var database = Path.Combine(data, "onemcp.db");
        using var readOnly = ImmutableFile.Set(database);

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--port", "0", "--data-dir", data], _directory.Path);

        exitCode.ShouldBe(1, string.Join('\n', stderr));
        stderr.ShouldHaveSingleItem().ShouldStartWith($"onemcp: cannot start: the database file {database} cannot be written (");
    }

    [Fact]
    public async Task Serve_WithAMissingConfigFile_ExitsTwoWithOneErrorLine()
    {
        var missing = _directory.File("nosuch.json");

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--config", missing, "--port", "0"], _directory.Path);

        exitCode.ShouldBe(2);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp:");
        line.ShouldContain(missing);
    }

    [Fact]
    public async Task Serve_WithAnInvalidConfig_ExitsTwoNamingTheJsonPath()
    {
        var config = _directory.Write("mcp.json", """{ "mcpServers": { "good": { "command": "dotnet" }, "bad": { "command": 42 } } }""");

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--config", config, "--port", "0"], _directory.Path);

        exitCode.ShouldBe(2);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp:");
        line.ShouldContain("$.mcpServers.bad.command");
    }

    [Fact]
    public async Task Serve_WithSeveralConfigErrors_ExitsTwoWithALineForEach()
    {
        var config = _directory.Write("mcp.json", """{ "mcpServers": { "a": { "command": 42 }, "b": { "command": "run", "maxRestarts": -1 }, "c": { "url": "ftp://x" } } }""");

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--config", config, "--port", "0"], _directory.Path);

        exitCode.ShouldBe(2);
        stderr.Count.ShouldBe(4, string.Join('\n', stderr));
        stderr[0].ShouldStartWith("onemcp: invalid configuration");
        stderr.Skip(1).Select(l => l.Trim().Split(':')[0]).ShouldBe(["$.mcpServers.a.command", "$.mcpServers.b.maxRestarts", "$.mcpServers.c.url"], ignoreOrder: true);
    }

    [Fact]
    public async Task Serve_WhenThePortIsTaken_ExitsWithOneErrorLine()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--port", port], _directory.Path);

        exitCode.ShouldNotBe(0);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp:");
        line.ShouldContain(port);
    }

    [Fact]
    public async Task Serve_WithLogFormatJson_WritesOneJsonObjectPerLineCarryingTheRequestsTraceId()
    {
        var config = _directory.Write("json-logs.json", DisabledBackendConfig("quiet"));
        await using var gateway = GatewayProcess.Start(["serve", "--config", config, "--port", "0", "--log-level", "debug"], _directory.Path,
            new Dictionary<string, string> { ["ONEMCP_LOG_FORMAT"] = "json" });
        await gateway.WaitForListeningAsync();
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.BaseUrl, "/health/live"));
        request.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        await gateway.WaitForOutputAsync(line => line.Contains(traceId, StringComparison.Ordinal), "a log line of the traced request");

        // Every log line is one JSON object (the listening line, which scripts read, is the only plain one).
        var lines = gateway.StandardOutput.Where(l => !l.StartsWith("OneMcp listening on ", StringComparison.Ordinal)).ToList();
        lines.ShouldNotBeEmpty();
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            entry.RootElement.GetProperty("Timestamp").GetString().ShouldNotBeNullOrEmpty();
            entry.RootElement.GetProperty("LogLevel").GetString().ShouldNotBeNullOrEmpty();
            entry.RootElement.GetProperty("Category").GetString().ShouldNotBeNullOrEmpty();
            entry.RootElement.TryGetProperty("Message", out _).ShouldBeTrue();
        }

        using var traced = JsonDocument.Parse(lines.First(l => l.Contains(traceId, StringComparison.Ordinal)));
        var scope = traced.RootElement.GetProperty("Scopes").EnumerateArray().First(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _));
        scope.GetProperty("TraceId").GetString().ShouldBe(traceId);
        scope.GetProperty("SpanId").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Serve_WithPortHostAndConfigFromTheEnvironment_UsesThem()
    {
        var port = GatewayProcess.FreePort();
        var config = _directory.Write("from-env.json", DisabledBackendConfig("fromenv"));
        await using var gateway = GatewayProcess.Start(["serve"], _directory.Path, new Dictionary<string, string>
        {
            ["ONEMCP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ONEMCP_HOST"] = "localhost",
            ["ONEMCP_CONFIG"] = config,
        });

        var url = await gateway.WaitForListeningAsync();

        url.Host.ShouldBe("localhost");
        url.Port.ShouldBe(port);
        using var http = new HttpClient();
        using var health = await GetJsonAsync(http, new Uri(gateway.BaseUrl, "/health"));
        Backend(health.Json, "fromenv").GetProperty("status").GetString().ShouldBe("Disabled");
    }

    [Fact]
    public async Task Serve_WithoutAConfigSetting_ReadsMcpJsonOfTheWorkingDirectory()
    {
        _directory.Write("mcp.json", DisabledBackendConfig("fromcwd"));
        await using var gateway = GatewayProcess.Start(["serve", "--port", "0"], _directory.Path);

        await gateway.WaitForListeningAsync();

        using var http = new HttpClient();
        using var health = await GetJsonAsync(http, new Uri(gateway.BaseUrl, "/health"));
        Backend(health.Json, "fromcwd").GetProperty("status").GetString().ShouldBe("Disabled");
    }

    [Fact]
    public async Task Serve_WithFlagsAndEnvironment_TheFlagsWin()
    {
        var environmentPort = GatewayProcess.FreePort();
        var flagPort = GatewayProcess.FreePort();
        var config = _directory.Write("from-flag.json", DisabledBackendConfig("fromflag"));
        await using var gateway = GatewayProcess.Start(
            ["serve", "--port", flagPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--host", "127.0.0.1", "--log-level", "warn", "--config", config],
            _directory.Path,
            new Dictionary<string, string>
            {
                ["ONEMCP_PORT"] = environmentPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ONEMCP_HOST"] = "localhost",
                ["ONEMCP_LOG_LEVEL"] = "not-a-level",
                ["ONEMCP_CONFIG"] = _directory.File("nosuch.json"),
            });

        var url = await gateway.WaitForListeningAsync();

        url.Host.ShouldBe("127.0.0.1");
        url.Port.ShouldBe(flagPort);
        using var http = new HttpClient();
        using var health = await GetJsonAsync(http, new Uri(gateway.BaseUrl, "/health"));
        Backend(health.Json, "fromflag").GetProperty("status").GetString().ShouldBe("Disabled");
    }

    private static string DisabledBackendConfig(string name) =>
        $$"""{ "mcpServers": { "{{name}}": { "command": "dotnet", "disabled": true } } }""";

    internal static JsonElement Backend(JsonElement report, string name) =>
        report.GetProperty("backends").EnumerateArray().Single(b => b.GetProperty("name").GetString() == name);

    internal static async Task<JsonResponse> GetJsonAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new JsonResponse(response.StatusCode, document);
    }

    internal sealed class JsonResponse(HttpStatusCode status, JsonDocument document) : IDisposable
    {
        public HttpStatusCode Status { get; } = status;

        public JsonElement Json => document.RootElement;

        public void Dispose() => document.Dispose();
    }
}

/// <summary>
/// Gateways started from the command line with backends: signals and health. A class of its own so these
/// slower tests run alongside <see cref="CliTests"/>.
/// </summary>
public sealed class RunningGatewayCliTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Serve_WhenSentSigterm_ExitsZeroAndLeavesNoBackendProcessBehind()
    {
        var marker = "sigterm" + Guid.NewGuid().ToString("N");
        var config = _directory.WriteConfig(new ConfigBuilder()
            .Add("one", ConfigBuilder.StdioTestServer(marker + "-one"))
            .Add("two", ConfigBuilder.StdioTestServer(marker + "-two")));
        await using var gateway = GatewayProcess.Start(["serve", "--config", config, "--port", "0"], _directory.Path);
        await gateway.WaitForListeningAsync();
        BackendProcesses(marker).Count.ShouldBe(2, gateway.Describe());

        await gateway.TerminateAsync();
        var exitCode = await gateway.WaitForExitAsync();

        exitCode.ShouldBe(0, gateway.Describe());
        BackendProcesses(marker).ShouldBeEmpty();
    }

    [Fact]
    public async Task Serve_WhenSentSigtermBeforeListening_ExitsZeroAndLeavesNoBackendProcessBehind()
    {
        // The backend waits for a file that never appears, so the gateway is still starting when told to stop.
        var marker = "sigtermearly" + Guid.NewGuid().ToString("N");
        var config = _directory.WriteConfig(new ConfigBuilder().Add("never", GatedBackend.StdioTestServer(marker, _directory.File("never"))));
        await using var gateway = GatewayProcess.Start(["serve", "--config", config, "--port", "0"], _directory.Path);
        await gateway.WaitForOutputAsync(line => line.Contains("Backend never added", StringComparison.Ordinal), "the gateway to start its backend");
        await Eventually.TrueAsync(() => BackendProcesses(marker).Count > 0, "the backend process to exist");

        await gateway.TerminateAsync();
        var exitCode = await gateway.WaitForExitAsync();

        exitCode.ShouldBe(0, gateway.Describe());
        gateway.StandardOutput.ShouldNotContain(line => line.Contains("fail:", StringComparison.Ordinal));
        BackendProcesses(marker).ShouldBeEmpty();
    }

    [Fact]
    public async Task Health_WithOneBackendDownAtStart_ReportsItAsErrorWhileTheOtherServes()
    {
        var config = _directory.WriteConfig(new ConfigBuilder()
            .Add("down", ConfigBuilder.StdioTestServer("down", ["db"], "--fail-start"))
            .Add("up", ConfigBuilder.StdioTestServer("up", ["web"])));
        await using var gateway = GatewayProcess.Start(["serve", "--config", config, "--port", "0"], _directory.Path);
        await gateway.WaitForListeningAsync();
        using var http = new HttpClient();

        using var health = await CliTests.GetJsonAsync(http, new Uri(gateway.BaseUrl, "/health"));
        health.Status.ShouldBe(HttpStatusCode.OK);
        health.Json.GetProperty("status").GetString().ShouldBe("degraded");
        var down = CliTests.Backend(health.Json, "down");
        down.GetProperty("status").GetString().ShouldBe("Error");
        down.GetProperty("error").GetString().ShouldNotBeNullOrWhiteSpace();
        CliTests.Backend(health.Json, "up").GetProperty("status").GetString().ShouldBe("Connected");

        using var live = await CliTests.GetJsonAsync(http, new Uri(gateway.BaseUrl, "/health/live"));
        live.Status.ShouldBe(HttpStatusCode.OK);
        live.Json.GetProperty("status").GetString().ShouldBe("alive");

        using var ready = await CliTests.GetJsonAsync(http, new Uri(gateway.BaseUrl, "/health/ready"));
        ready.Status.ShouldBe(HttpStatusCode.OK);
        ready.Json.GetProperty("status").GetString().ShouldBe("ready");
        CliTests.Backend(ready.Json, "down").GetProperty("status").GetString().ShouldBe("Error");
        CliTests.Backend(ready.Json, "up").GetProperty("status").GetString().ShouldBe("Connected");

        // The backend that is down does not stop the gateway serving the other one.
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = gateway.McpUrl }), new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });
        var echo = await client.CallToolAsync("up_1mcp_echo", new Dictionary<string, object?> { ["message"] = "still serving" });
        echo.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("still serving");
    }

    private static List<(int Pid, string CommandLine)> BackendProcesses(string marker) =>
        [.. GatewayProcess.ProcessCommandLines().Where(p => p.CommandLine.Contains(marker, StringComparison.Ordinal))];
}
