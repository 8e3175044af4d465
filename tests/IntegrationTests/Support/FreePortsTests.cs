using System.Net;
using System.Net.Sockets;

namespace OneMcp.IntegrationTests.Support;

public sealed class FreePortsTests
{
    [Fact]
    public void Next_ManyTimes_GivesDistinctFreePortsThatNoOutgoingConnectionCanTake()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => FreePorts.Next()).ToList();

        ports.Distinct().Count().ShouldBe(ports.Count);
        foreach (var port in ports)
        {
            (port >= FreePorts.Ephemeral.Low && port <= FreePorts.Ephemeral.High).ShouldBeFalse(
                $"port {port} lies in the ephemeral range {FreePorts.Ephemeral.Low}-{FreePorts.Ephemeral.High}, where an outgoing connection may take it");
            using var listener = new TcpListener(IPAddress.Loopback, port);
            Should.NotThrow(listener.Start);
        }
    }
}
