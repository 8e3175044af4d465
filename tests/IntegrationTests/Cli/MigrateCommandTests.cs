using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Cli;

/// <summary><c>onemcp migrate</c>: operators who apply schema changes separately from starting the gateway.</summary>
public sealed class MigrateCommandTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Migrate_OnAFreshDataDirectory_AppliesEveryScriptOnceAndThenNothing()
    {
        var data = _directory.File("data");
        var scripts = Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "src", "Infrastructure", "Persistence", "Migrations", "Sqlite"), "*.sql").Length;

        var first = await GatewayProcess.RunAsync(["migrate", "--data-dir", data], _directory.Path);
        var second = await GatewayProcess.RunAsync(["migrate", "--data-dir", data], _directory.Path);

        first.ExitCode.ShouldBe(0, string.Join('\n', first.Stderr));
        first.Stdout.ShouldContain(line => line.Contains($"applied {scripts} migration(s)", StringComparison.Ordinal));
        File.Exists(Path.Combine(data, "onemcp.db")).ShouldBeTrue();
        second.ExitCode.ShouldBe(0);
        second.Stdout.ShouldContain(line => line.Contains("nothing to apply", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrate_WhenPostgreSqlIsUnreachable_FailsWithOneLineThatHidesThePassword()
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(
            ["migrate", "--database", "Host=127.0.0.1;Port=1;Username=onemcp;Password=s3cret-value;Timeout=2"], _directory.Path);

        exitCode.ShouldNotBe(0);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp: cannot migrate PostgreSQL");
        line.ShouldNotContain("s3cret-value");
    }

    [Fact]
    public async Task Migrate_WithAConnectionStringWithoutAHost_ExitsTwoWithOneLineThatHidesThePassword()
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(
            ["migrate", "--database", "Port=5432;Username=onemcp;Password=s3cret-value"], _directory.Path);

        exitCode.ShouldBe(2);
        var line = stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp: invalid --database: the PostgreSQL connection string names no Host");
        line.ShouldNotContain("s3cret-value");
    }

    [Fact]
    public async Task Migrate_WithAnUnknownFlag_ExitsTwoWithOneLine()
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(["migrate", "--port", "3050"], _directory.Path);

        exitCode.ShouldBe(2);
        stderr.ShouldHaveSingleItem().ShouldStartWith("onemcp:");
    }
}
