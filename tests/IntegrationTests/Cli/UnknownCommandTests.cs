using OneMcp.Api.Cli;

namespace OneMcp.IntegrationTests.Cli;

/// <summary>A mistyped command ends with exit 2 and one line naming the word that was not understood.</summary>
public sealed class UnknownCommandTests
{
    private static async Task<(int ExitCode, string Error)> RunAsync(params string[] args)
    {
        using var error = new StringWriter();
        var exit = await OneMcpCli.RunAsync(
            args,
            (_, _) => throw new InvalidOperationException("serve must not run"),
            (_, _) => throw new InvalidOperationException("migrate must not run"),
            error,
            _ => null);
        return (exit, error.ToString());
    }

    [Theory]
    [InlineData("sevre", "unknown command 'sevre' for 'onemcp': expected serve, migrate, users.")]
    [InlineData("users ad bob", "unknown command 'ad' for 'onemcp users': expected add, list, remove, set-password.")]
    public async Task Run_WithAMistypedCommand_ExitsTwoNamingIt(string arguments, string expected)
    {
        var (exitCode, error) = await RunAsync(arguments.Split(' '));

        exitCode.ShouldBe(OneMcpCli.ExitUsage);
        error.ReplaceLineEndings("\n").TrimEnd('\n').ShouldNotContain('\n');
        error.ShouldStartWith($"onemcp: {expected} Run '");
    }

    [Fact]
    public async Task Run_WithABadOptionOfAKnownCommand_KeepsTheParsersMessage()
    {
        var (exitCode, error) = await RunAsync("serve", "--bogus");

        exitCode.ShouldBe(OneMcpCli.ExitUsage);
        error.ShouldStartWith("onemcp: Unrecognized command or argument '--bogus'.");
    }
}
