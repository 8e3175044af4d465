using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OneMcp.TestServer;

internal enum TransportKind
{
    Stdio,
    Http,
}

/// <summary>Command line of the test server; see <see cref="Usage"/>.</summary>
internal sealed record ServerSettings(
    TransportKind Transport,
    int Port,
    string Name,
    string Instructions,
    bool FailStart,
    int StartDelayMs = 0)
{
    public const string Usage =
        "usage: OneMcp.TestServer [--transport stdio|http] [--port N] [--name NAME] [--instructions TEXT] [--fail-start] [--start-delay-ms N]";

    public static bool TryParse(
        string[] args,
        [NotNullWhen(true)] out ServerSettings? settings,
        [NotNullWhen(false)] out string? error)
    {
        var transport = TransportKind.Stdio;
        var port = 0;
        var name = "test";
        string? instructions = null;
        var failStart = false;
        var startDelayMs = 0;

        settings = null;
        error = null;

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--fail-start")
            {
                failStart = true;
                continue;
            }

            if (arg is not ("--transport" or "--port" or "--name" or "--instructions" or "--start-delay-ms"))
            {
                error = $"unknown argument '{arg}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"missing value for {arg}";
                return false;
            }

            var value = args[++i];
            switch (arg)
            {
                case "--transport":
                    switch (value)
                    {
                        case "stdio":
                            transport = TransportKind.Stdio;
                            break;
                        case "http":
                            transport = TransportKind.Http;
                            break;
                        default:
                            error = $"unknown transport '{value}'";
                            return false;
                    }

                    break;
                case "--start-delay-ms":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out startDelayMs))
                    {
                        error = $"invalid start delay '{value}'";
                        return false;
                    }

                    break;
                case "--port":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
                    {
                        error = $"invalid port '{value}'";
                        return false;
                    }

                    break;
                case "--name":
                    name = value;
                    break;
                default:
                    instructions = value;
                    break;
            }
        }

        settings = new ServerSettings(transport, port, name, instructions ?? $"Test server {name}.", failStart, startDelayMs);
        return true;
    }
}
