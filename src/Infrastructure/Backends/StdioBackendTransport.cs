using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// A stdio backend's client transport: starts the server process with the backend's command, arguments, working
/// directory and environment, and exchanges newline-delimited JSON-RPC with it (<see cref="StdioBackendSession"/>), as
/// the SDK's <see cref="StdioClientTransport"/> does. The gateway has its own so that forwarded calls can share the
/// pipe with the SDK client without its per-message pipeline (<see cref="DirectStdioCalls"/>, ADR 0044). Each connect
/// attempt of a backend gets a new one.
/// </summary>
internal sealed partial class StdioBackendTransport(
    StdioClientTransportOptions options, BackendProgressRoutes progress, ILoggerFactory loggerFactory) : IClientTransport
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // The errors starting a process fails with on Linux and macOS (ENOENT, EACCES).
    private const int NoSuchFile = 2;
    private const int PermissionDenied = 13;

    public string Name => options.Name ?? options.Command;

    /// <summary>The session of the last successful connect, for the direct calls over its pipe.</summary>
    public StdioBackendSession? Session { get; private set; }

    public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var logger = loggerFactory.CreateLogger<StdioBackendTransport>();
        var process = new Process { StartInfo = StartInfo() };
        var stderr = new StderrTail(options.StandardErrorLines);
        var started = false;
        try
        {
            started = process.Start();
            if (!started)
            {
                throw new IOException("Failed to start MCP server process.");
            }

            stderr.Start(process.StandardError.BaseStream);
            var session = new StdioBackendSession(Name, process, stderr, options.ShutdownTimeout, progress, loggerFactory);
            Session = session;
            return Task.FromResult<ITransport>(session);
        }
        catch (Exception e)
        {
            LogStartFailed(logger, Name, e);
            stderr.Dispose();
            StdioBackendSession.Stop(process, started, options.ShutdownTimeout);
            throw new IOException(StartFailure(e), e);
        }
    }

    /// <summary>
    /// Why the process did not start, for the backend's state (<c>/health</c>, the backend view, the dashboard): the
    /// runtime's own message names the cause only after a sentence about the working directory. It names the command
    /// and the working directory, which members do not see (<c>BackendErrorRedaction</c>), and no environment value.
    /// </summary>
    private string StartFailure(Exception e)
    {
        var command = options.Command;
        var cause = Errno(e) switch
        {
            NoSuchFile when options.WorkingDirectory is { } directory && !Directory.Exists(directory) =>
                $"its working directory '{directory}' does not exist",
            NoSuchFile when command.Contains('/', StringComparison.Ordinal) && File.Exists(command) =>
                "the interpreter its #! line names does not exist",
            NoSuchFile => "not found",
            PermissionDenied => "permission denied (it is not executable by the gateway's user)",
            _ => e.Message.TrimEnd('.'),
        };
        return $"Could not start the command '{command}': {cause}.";
    }

    // On Windows the command is started through cmd.exe, whose own failure says nothing about the command.
    private static int Errno(Exception e) => e is Win32Exception start && !OperatingSystem.IsWindows() ? start.NativeErrorCode : 0;

    private ProcessStartInfo StartInfo()
    {
        var command = options.Command;
        IList<string> arguments = options.Arguments ?? [];
        if (OperatingSystem.IsWindows() && !string.Equals(Path.GetFileName(command), "cmd.exe", StringComparison.OrdinalIgnoreCase))
        {
            // As the SDK does: on Windows a stdio server (npx, uvx) only works started through the shell.
            arguments = ["/c", command, .. arguments.Select(EscapeForCmd)];
            command = "cmd.exe";
        }

        var startInfo = new ProcessStartInfo
        {
            FileName = command,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = options.WorkingDirectory ?? Environment.CurrentDirectory,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (!options.InheritEnvironmentVariables)
        {
            startInfo.Environment.Clear();
        }

        if (options.EnvironmentVariables is { } environment)
        {
            foreach (var (name, value) in environment)
            {
                startInfo.Environment[name] = value;
            }
        }

        return startInfo;
    }

    // cmd.exe's special characters in an argument without whitespace are escaped, as the SDK does.
    private static string EscapeForCmd(string argument) =>
        Whitespace().IsMatch(argument) ? argument : CmdSpecial().Replace(argument, static match => "^" + match.Value);

    [GeneratedRegex(@"\s", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex("[&^><|]", RegexOptions.CultureInvariant)]
    private static partial Regex CmdSpecial();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: its process could not be started")]
    private static partial void LogStartFailed(ILogger logger, string server, Exception exception);
}
