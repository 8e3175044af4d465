using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using OneMcp.Infrastructure.Backends;
using OneMcp.UnitTests.Configuration;

namespace OneMcp.UnitTests.Backends;

/// <summary>
/// A stdio backend whose process cannot be started says why, in the words its state shows operators. The causes are
/// those of Linux and macOS (on Windows a backend is started through cmd.exe).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class StdioBackendTransportTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    [Fact]
    public async Task ConnectAsync_WhenTheCommandDoesNotExist_SaysItWasNotFound()
    {
        var failure = await StartFailureAsync("onemcp-no-such-command");

        failure.ShouldBe("Could not start the command 'onemcp-no-such-command': not found.");
    }

    [Fact]
    public async Task ConnectAsync_WhenTheCommandIsNotExecutable_SaysPermissionDenied()
    {
        var script = Script("not-executable.sh", "#!/bin/sh\necho hi\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var failure = await StartFailureAsync(script);

        failure.ShouldBe($"Could not start the command '{script}': permission denied (it is not executable by the gateway's user).");
    }

    [Fact]
    public async Task ConnectAsync_WhenTheScriptsInterpreterDoesNotExist_SaysSo()
    {
        var script = Script("no-interpreter.sh", "#!/onemcp/no/such/interpreter\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var failure = await StartFailureAsync(script);

        failure.ShouldBe($"Could not start the command '{script}': the interpreter its #! line names does not exist.");
    }

    [Fact]
    public async Task ConnectAsync_WhenTheWorkingDirectoryDoesNotExist_SaysSo_AndNoEnvironmentValue()
    {
        var missing = Path.Combine(_directory.Directory, "gone");

        var failure = await StartFailureAsync("sh", missing, new Dictionary<string, string?> { ["API_KEY"] = "sk-secret-value" });

        failure.ShouldBe($"Could not start the command 'sh': its working directory '{missing}' does not exist.");
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>What the backend's state shows for the failed connect (<see cref="BackendFailures.DescribeConnectFailure"/>).</summary>
    private static async Task<string> StartFailureAsync(string command, string? workingDirectory = null, Dictionary<string, string?>? environment = null)
    {
        var transport = new StdioBackendTransport(
            new StdioClientTransportOptions
            {
                Name = "broken",
                Command = command,
                WorkingDirectory = workingDirectory,
                EnvironmentVariables = environment,
            },
            new BackendProgressRoutes(),
            NullLoggerFactory.Instance);

        var error = await Should.ThrowAsync<IOException>(() => transport.ConnectAsync());

        transport.Session.ShouldBeNull();
        var failure = BackendFailures.DescribeConnectFailure(error);
        failure.ShouldNotContain("sk-secret-value");
        return failure;
    }

    private string Script(string name, string content, UnixFileMode mode)
    {
        var path = Path.Combine(_directory.Directory, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
