using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// Ports for the processes a test must name a port for before they start (replicas that know each other, a gateway
/// whose address an identity provider is told, a PostgreSQL cluster). A port the kernel hands out for port 0 comes
/// from the ephemeral range, the same range every outgoing connection on the machine draws its local port from: in
/// the seconds between the pick and the process's bind, a connection could take it ("address already in use"). These
/// ports lie outside that range, so no outgoing connection can; each is checked free when picked, and never handed
/// out twice by one test run.
/// </summary>
internal static class FreePorts
{
    private const int Lowest = 20000;
    private const int Highest = 65535;

    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();

    /// <summary>The local ports outgoing connections take (Linux's <c>ip_local_port_range</c>).</summary>
    public static (int Low, int High) Ephemeral { get; } = ReadEphemeralRange();

    /// <summary>A port that is free now and outside the ephemeral range (a kernel-chosen one if that range leaves no room).</summary>
    public static int Next()
    {
        var below = Math.Max(0, Ephemeral.Low - Lowest);
        var above = Math.Max(0, Highest - Ephemeral.High);
        if (below + above >= 1000)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var pick = Random.Shared.Next(below + above);
                var port = pick < below ? Lowest + pick : Ephemeral.High + 1 + (pick - below);
                if (TryClaim(port))
                {
                    return port;
                }
            }
        }

        // No room outside the range on this machine, or it is full: the kernel's pick, with the risk described above.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool TryClaim(int port)
    {
        lock (Gate)
        {
            if (HandedOut.Contains(port) || !IsFree(port))
            {
                return false;
            }

            HandedOut.Add(port);
            return true;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux says which local ports outgoing connections use; elsewhere IANA's dynamic range is the usual one.
    private static (int Low, int High) ReadEphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (49152, 65535);
        }
    }
}
