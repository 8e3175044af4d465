using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Cli;

/// <summary>
/// <c>ONEMCP_ADMIN_USERNAME</c> / <c>ONEMCP_ADMIN_PASSWORD</c> are settings of <c>onemcp serve</c>: a bad value stops it
/// as any bad setting does, with exit code 2 and one line, before the database is created.
/// </summary>
public sealed class AdminVariablesTests : IDisposable
{
    private const string Password = "correct horse battery";

    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("not a name", Password, "onemcp: ONEMCP_ADMIN_USERNAME: A user name has")]
    [InlineData("root", "s3cr3t", "onemcp: ONEMCP_ADMIN_PASSWORD: The password is too short")]
    [InlineData("root", "", "onemcp: ONEMCP_ADMIN_USERNAME is set but ONEMCP_ADMIN_PASSWORD is not; set both or neither.")]
    [InlineData("", Password, "onemcp: ONEMCP_ADMIN_PASSWORD is set but ONEMCP_ADMIN_USERNAME is not; set both or neither.")]
    public async Task Serve_WithABadAdminVariable_ExitsTwoWithOneLineNamingIt_AndCreatesNoDatabase(string userName, string password, string line)
    {
        var data = _directory.File("data");

        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["serve", "--port", "0", "--enable-auth", "--data-dir", data], _directory.Path,
            new Dictionary<string, string> { ["ONEMCP_ADMIN_USERNAME"] = userName, ["ONEMCP_ADMIN_PASSWORD"] = password });

        exitCode.ShouldBe(2, string.Join('\n', stderr));
        var error = stderr.ShouldHaveSingleItem();
        error.ShouldStartWith(line);
        if (password.Length > 0)
        {
            error.ShouldNotContain(password);
        }

        File.Exists(Path.Combine(data, "onemcp.db")).ShouldBeFalse("bad input changes nothing");
    }
}
