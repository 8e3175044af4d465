using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Cli;

/// <summary>
/// <c>onemcp serve</c> on an address other machines reach (DESIGN §9, network exposure): refused without
/// <c>--enable-auth</c> unless <c>--allow-insecure-network</c> says the operator means it, then a warning at
/// every start; and a peer on the network cannot pass as local by sending <c>Host: localhost</c>.
/// </summary>
public sealed class NetworkExposureTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("*")]
    [InlineData("gateway.example")]
    public async Task Serve_OnANetworkAddressWithoutAuth_ExitsTwoSayingWhyAndWhatToDo(string host)
    {
        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync(["serve", "--host", host, "--port", "0"], _directory.Path);

        exitCode.ShouldBe(2);
        stdout.ShouldBeEmpty();
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp:");
        line.ShouldContain(host);
        line.ShouldContain("--enable-auth");
        line.ShouldContain("--allow-insecure-network");
    }

    [Fact]
    public async Task Serve_OnANetworkAddressFromTheEnvironmentWithoutAuth_ExitsTwo()
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--port", "0"], _directory.Path, new Dictionary<string, string>
        {
            ["ONEMCP_HOST"] = "0.0.0.0",
        });

        exitCode.ShouldBe(2);
        stderr.ShouldHaveSingleItem().ShouldStartWith("onemcp: refusing to serve --host 0.0.0.0 without --enable-auth");
    }

    [Fact]
    public async Task Serve_WithABadAllowInsecureNetworkVariable_ExitsTwoNamingIt()
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--host", "0.0.0.0", "--port", "0"], _directory.Path, new Dictionary<string, string>
        {
            ["ONEMCP_ALLOW_INSECURE_NETWORK"] = "perhaps",
        });

        exitCode.ShouldBe(2);
        stderr.ShouldHaveSingleItem().ShouldContain("ONEMCP_ALLOW_INSECURE_NETWORK");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Serve_OnANetworkAddressWithAllowInsecureNetwork_StartsWithALoudWarning(bool viaEnvironment)
    {
        string[] args = viaEnvironment
            ? ["serve", "--host", "0.0.0.0", "--port", "0"]
            : ["serve", "--host", "0.0.0.0", "--port", "0", "--allow-insecure-network"];
        await using var gateway = GatewayProcess.Start(args, _directory.Path, viaEnvironment
            ? new Dictionary<string, string> { ["ONEMCP_ALLOW_INSECURE_NETWORK"] = "true" }
            : null);

        await gateway.WaitForListeningAsync();

        gateway.StandardOutput.Concat(gateway.StandardError)
            .ShouldContain(line => line.Contains("warn:", StringComparison.Ordinal) && line.Contains("WITHOUT authentication", StringComparison.Ordinal), gateway.Describe());
    }

    [Fact]
    public async Task Serve_OnLoopback_StartsWithoutTheWarning()
    {
        await using var gateway = GatewayProcess.Start(["serve", "--port", "0"], _directory.Path);

        await gateway.WaitForListeningAsync();

        gateway.StandardOutput.Concat(gateway.StandardError).ShouldNotContain(line => line.Contains("WITHOUT authentication", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HostGuard_WhenAPeerOnTheNetworkSendsHostLocalhost_RefusesIt()
    {
        // A real peer that is not loopback: this machine's own network address (the test has nothing to prove without one).
        var address = NetworkAddress();
        if (address is null)
        {
            return;
        }

        await using var gateway = GatewayProcess.Start(["serve", "--host", "0.0.0.0", "--port", "0", "--allow-insecure-network"], _directory.Path);
        await gateway.WaitForListeningAsync();
        var port = gateway.BaseUrl.Port;
        using var http = new HttpClient();

        using var fromNetwork = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{port}/api/backends");
        fromNetwork.Headers.Host = $"localhost:{port}";
        using var refused = await http.SendAsync(fromNetwork);
        using var fromLoopback = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/api/backends");
        fromLoopback.Headers.Host = $"localhost:{port}";
        using var served = await http.SendAsync(fromLoopback);

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await refused.Content.ReadAsStringAsync());
        (await refused.Content.ReadAsStringAsync()).ShouldContain("host");
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task HostGuard_WhenBoundToANetworkAddress_ServesPeersThatNameIt()
    {
        var address = NetworkAddress();
        if (address is null)
        {
            return;
        }

        await using var gateway = GatewayProcess.Start(["serve", "--host", address.ToString(), "--port", "0", "--allow-insecure-network"], _directory.Path);
        await gateway.WaitForListeningAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(gateway.BaseUrl, "/health"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static IPAddress? NetworkAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
