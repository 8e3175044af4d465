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

    public string Name => options.Name ?? options.Command;

    /// <summary>The session of the last successful connect, for the direct calls over its pipe.</summary>
    public StdioBackendSession? Session { get; private set; }

    public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var logger = loggerFactory.CreateLogger<StdioBackendTransport>();
        var process = new Process { StartInfo = StartInfo() };
        var stderr = new StderrTail(options.StandardErrorLines);
        process.ErrorDataReceived += stderr.OnLine;
        var started = false;
        try
        {
            started = process.Start();
            if (!started)
            {
                throw new IOException("Failed to start MCP server process.");
            }

            process.BeginErrorReadLine();
            var session = new StdioBackendSession(Name, process, stderr, options.ShutdownTimeout, progress, loggerFactory);
            Session = session;
            return Task.FromResult<ITransport>(session);
        }
        catch (Exception e)
        {
            LogStartFailed(logger, Name, e);
            process.ErrorDataReceived -= stderr.OnLine;
            StdioBackendSession.Stop(process, started, options.ShutdownTimeout);
            throw new IOException("Failed to connect transport.", e);
        }
    }

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

/// <summary>
/// A server process's standard error: each line to the gateway's handler, the last ten kept for the error its exit
/// causes. A line longer than <see cref="MaxLineLength"/> characters is cut off there, saying so.
/// </summary>
internal sealed class StderrTail(Action<string>? lines)
{
    /// <summary>The longest line kept or handed on, in characters.</summary>
    internal const int MaxLineLength = 8 * 1024;

    private const int Kept = 10;
    private readonly Queue<string> _tail = new(Kept);

    public void OnLine(object sender, DataReceivedEventArgs line) => Add(line.Data);

    internal void Add(string? data)
    {
        if (data is null)
        {
            return;
        }

        if (data.Length > MaxLineLength)
        {
            var kept = char.IsHighSurrogate(data[MaxLineLength - 1]) ? MaxLineLength - 1 : MaxLineLength;
            data = $"{data.AsSpan(0, kept)}… ({data.Length - kept} more characters cut off)";
        }

        lock (_tail)
        {
            if (_tail.Count == Kept)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(data);
        }

        try
        {
            lines?.Invoke(data);
        }
        catch (Exception)
        {
            // The handler (the gateway's log) failed. It runs on the thread that reads the pipe, where an exception
            // would end the whole process: the line is in the tail all the same.
        }
    }

    public string[] Lines()
    {
        lock (_tail)
        {
            return [.. _tail];
        }
    }
}
