using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// With async loading the gateway listens at once and publishes each backend when it connects; clients
/// that came early are told with <c>notifications/tools/list_changed</c>.
/// </summary>
/// <remarks>
/// The slow backend does not start on a timer (<c>--start-delay-ms</c>): on two busy cores the fast one
/// can take longer than any fixed delay. It is held back by a gate file that the test opens once it has
/// seen everything it expects from the time before, so the test does not depend on timing.
/// </remarks>
public sealed class AsyncLoadingTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private ConfigBuilder _config = null!;
    private GatewayUnderTest _gateway = null!;

    private string Gate => _directory.File("slow-may-start");

    public async Task InitializeAsync()
    {
        _config = new ConfigBuilder()
            .Add("fast", ConfigBuilder.StdioTestServer("fast"))
            .Add("slow", GatedBackend.StdioTestServer("slow", Gate, "--start-delay-ms", "300"));
        _gateway = await GatewayUnderTest.StartAsync(_config, asyncLoading: true);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Start_WithAsyncLoading_ServesBeforeASlowBackendAndPublishesItWhenItConnects()
    {
        using var http = new HttpClient();

        // Listening while the slow backend is still starting, and saying so.
        _gateway.Backend("slow").State.Status.ShouldBe(BackendStatus.Connecting);
        using (var loading = await http.GetAsync(_gateway.Url("/health/ready")))
        {
            loading.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            using var body = JsonDocument.Parse(await loading.Content.ReadAsStringAsync());
            body.RootElement.GetProperty("status").GetString().ShouldBe("not_ready");
        }

        // A client that connects early sees what is there already.
        await Eventually.TrueAsync(() => _gateway.Backend("fast").State.Status == BackendStatus.Connected, "the fast backend to connect");
        var toolsChanged = new NotificationLog();
        var client = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, toolsChanged.Record)],
        });
        var early = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        early.ShouldContain("fast_1mcp_echo");
        early.ShouldNotContain(name => name.StartsWith("slow_1mcp_", StringComparison.Ordinal));

        // The slow backend's arrival is announced, and then it is listed and callable.
        await File.WriteAllTextAsync(Gate, string.Empty);
        await toolsChanged.AtLeastAsync(1, "tools/list_changed when the slow backend connects");
        var later = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        later.ShouldContain("slow_1mcp_echo");
        later.ShouldContain("fast_1mcp_echo");
        var who = await client.CallToolAsync("slow_1mcp_whoami");
        JsonDocument.Parse(who.Content.OfType<TextContentBlock>().Single().Text).RootElement.GetProperty("name").GetString().ShouldBe("slow");

        await Eventually.ValueAsync(
            async () =>
            {
                using var ready = await http.GetAsync(_gateway.Url("/health/ready"));
                return ready.StatusCode;
            },
            status => status == HttpStatusCode.OK,
            "/health/ready to answer 200 once every backend has tried to connect");
    }

    [Fact]
    public async Task Ready_WhenTheConfigurationChangesDuringLoading_WaitsForTheBackendsOfTheStart()
    {
        using var http = new HttpClient();

        await _gateway.WriteConfigAsync(_config.Add("extra", ConfigBuilder.StdioTestServer("extra")));
        await Eventually.TrueAsync(
            () => _gateway.Pool.Backends.Any(b => b.Name.Value == "extra" && b.State.Status == BackendStatus.Connected),
            "the backend added during loading to connect");

        _gateway.Backend("slow").State.Status.ShouldBe(BackendStatus.Connecting);
        using (var loading = await http.GetAsync(_gateway.Url("/health/ready")))
        {
            loading.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, "ready while a backend of the start has not even tried to connect");
        }

        await File.WriteAllTextAsync(Gate, string.Empty);
        await Eventually.ValueAsync(
            async () =>
            {
                using var ready = await http.GetAsync(_gateway.Url("/health/ready"));
                return ready.StatusCode;
            },
            status => status == HttpStatusCode.OK,
            "/health/ready to answer 200 once every backend has tried to connect");
    }
}
