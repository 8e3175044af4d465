using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// The connections the gateway accepts carry TCP keepalive (60 s of silence, then probes), so that a client that
/// vanished without closing (its open GET stream kept its session alive forever) is noticed. The kernel's own view of the
/// gateway's side of a connection says so: its keepalive timer runs, due within the minute.
/// </summary>
public sealed class ClientConnectionKeepAliveTests : IAsyncLifetime
{
    // /proc/net/tcp's "tr" field: 2 is the keepalive timer; 0 is none (an idle connection without keepalive).
    private const int KeepAliveTimer = 2;

    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task AnAcceptedConnection_IsProbedAfterAMinuteOfSilence()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _gateway.BaseUrl.Port);
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var (timer, dueSeconds) = await GatewaySideAsync(_gateway.BaseUrl.Port, clientPort);

        timer.ShouldBe(KeepAliveTimer, "the gateway's side of an idle connection has no keepalive timer");
        dueSeconds.ShouldBeInRange(30, 60, "the system's default keepalive waits two hours");
    }

    // The gateway's side of the connection: local port the gateway's, remote port the client's.
    private static async Task<(int Timer, double DueSeconds)> GatewaySideAsync(int gatewayPort, int clientPort)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            foreach (var file in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
            {
                foreach (var line in (await File.ReadAllLinesAsync(file)).Skip(1))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (Port(fields[1]) == gatewayPort && Port(fields[2]) == clientPort && fields[3] == "01")
                    {
                        var timer = fields[5].Split(':');
                        // tm->when is in clock ticks (USER_HZ, 100 a second on Linux).
                        return (int.Parse(timer[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                            long.Parse(timer[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 100.0);
                    }
                }
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the connection never showed in /proc/net/tcp");
            await Task.Delay(50);
        }
    }

    private static int Port(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
