using System.Diagnostics;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.Infrastructure.Settings;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Cli;

/// <summary>
/// <c>onemcp users add|list|remove|set-password</c> and the first admin from <c>ONEMCP_ADMIN_*</c>, against the
/// real built gateway and a SQLite data directory, with passwords written to its stdin.
/// </summary>
public sealed class UsersCommandTests(UsersCommandTests.AliceDirectory alice) : IClassFixture<UsersCommandTests.AliceDirectory>, IDisposable
{
    private const string Password = "correct horse battery";

    private readonly TestDirectory _directory = new();

    private string Data => _directory.File("data");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Users_AddListSetPasswordRemove_WorkAndNeverShowAHash()
    {
        var admin = await RunAsync(["users", "add", "alice", "--role", "admin", "--password-stdin"], Password + "\n");
        var member = await RunAsync(["users", "add", "bob", "--password-stdin"], "bob's long password\n");
        var list = await RunAsync(["users", "list"]);

        admin.ShouldSucceed();
        admin.Stdout.ShouldHaveSingleItem().ShouldBe($"Added the admin 'alice' (SQLite in {Data}).");
        member.ShouldSucceed();
        list.ShouldSucceed();
        list.Stdout.Count.ShouldBe(3, list.Describe());
        Columns(list.Stdout[0]).ShouldBe(["NAME", "ROLE", "DISABLED", "CREATED", "SOURCE", "GROUPS"]);
        Columns(list.Stdout[1])[..3].ShouldBe(["alice", "admin", "no"]);
        Columns(list.Stdout[2])[..3].ShouldBe(["bob", "member", "no"]);
        DateTimeOffset.TryParse(string.Join(' ', Columns(list.Stdout[1])[3..5]), System.Globalization.CultureInfo.InvariantCulture, out _).ShouldBeTrue(list.Stdout[1]);
        Columns(list.Stdout[1])[5..].ShouldBe(["local", "-"]);
        list.Stdout.ShouldAllBe(line => !line.Contains("AQAAAA", StringComparison.Ordinal) && !line.Contains(Password, StringComparison.Ordinal));

        var changed = await RunAsync(["users", "set-password", "alice", "--password-stdin"], "a brand new password\n");
        var removed = await RunAsync(["users", "remove", "bob"]);
        var after = await RunAsync(["users", "list"]);

        changed.ShouldSucceed();
        changed.Stdout.ShouldHaveSingleItem().ShouldBe("Changed the password of 'alice'.");
        removed.ShouldSucceed();
        removed.Stdout.ShouldHaveSingleItem().ShouldBe("Removed the user 'bob'.");
        after.Stdout.Count.ShouldBe(2, after.Describe());
        Columns(after.Stdout[1])[0].ShouldBe("alice");
    }

    [Fact]
    public async Task Users_AProviderUser_IsListedWithItsSourceAndGroups_AndSetPasswordIsRefusedWithOneLine()
    {
        (await RunAsync(["users", "add", "alice", "--role", "admin", "--password-stdin"], Password + "\n")).ShouldSucceed();
        var repository = new UserRepository(new SqliteConnectionFactory(new PersistenceOptions { DataDirectory = Data }));
        await repository.AddAsync(
            User.CreateFromProvider("bob", "https://idp.example#bob", ["sre", "Domain Users"], UserRole.Member, DateTimeOffset.UtcNow), CancellationToken.None);

        var list = await RunAsync(["users", "list"]);
        var refused = await RunAsync(["users", "set-password", "bob", "--password-stdin"], "a brand new password\n");

        list.ShouldSucceed();
        list.Stdout.Count.ShouldBe(3, list.Describe());
        Columns(list.Stdout[1])[5..].ShouldBe(["local", "-"]);
        Columns(list.Stdout[2])[..3].ShouldBe(["bob", "member", "no"]);
        list.Stdout[2].ShouldEndWith("  provider  Domain Users, sre");
        refused.ExitCode.ShouldBe(2, refused.Describe());
        refused.Stdout.ShouldBeEmpty();
        refused.Stderr.ShouldHaveSingleItem().ShouldBe("onemcp: 'bob' signs in with the identity provider and has no password here.");
        (await repository.FindByNameAsync("bob", CancellationToken.None))!.HasPassword.ShouldBeFalse();
    }

    [Theory]
    [InlineData("add|carol|--password-stdin", "short-pw\n", "at least 12 characters")]
    [InlineData("add|carol|--password-stdin", "zzzzzzzzzzzzzzzz\n", "must not repeat a single character")]
    [InlineData("add|carol.example|--password-stdin", "Carol.Example\n", "must not be the user name")]
    [InlineData("add|carol/x|--password-stdin", Password + "\n", "A user name has 1 to 64")]
    [InlineData("add|carol|--role|root|--password-stdin", Password + "\n", "The role must be 'admin' or 'member'.")]
    [InlineData("add|ALICE|--password-stdin", Password + "\n", "A user named 'ALICE' already exists.")]
    [InlineData("add|carol|--password-stdin", "", "no password on stdin")]
    [InlineData("add|carol", "", "no password")]
    [InlineData("add|carol/x", "", "A user name has 1 to 64")]
    [InlineData("add|carol|--role|root", "", "The role must be 'admin' or 'member'.")]
    [InlineData("set-password|alice|--password-stdin", "tiny\n", "at least 12 characters")]
    [InlineData("set-password|nobody|--password-stdin", Password + "\n", "No user named 'nobody' exists.")]
    [InlineData("remove|nobody", "", "No user named 'nobody' exists.")]
    [InlineData("remove", "", "Required argument missing")]
    public async Task Users_WithBadInput_ExitTwoWithOneLineAndChangeNothing(string args, string stdin, string message)
    {
        // The cases share one data directory holding alice, each checking it still holds only her, unchanged, afterwards.
        (await alice.AddedAsync()).ShouldSucceed();
        var before = (await alice.Users.ListAsync(CancellationToken.None)).ShouldHaveSingleItem();

        var result = await RunAsync(alice.Directory, ["users", .. args.Split('|')], stdin);

        result.ExitCode.ShouldBe(2, result.Describe());
        var line = result.Stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp: ");
        line.ShouldContain(message);
        if (stdin.Length > 1)
        {
            line.ShouldNotContain(stdin.TrimEnd('\n'));
        }

        var after = (await alice.Users.ListAsync(CancellationToken.None)).ShouldHaveSingleItem();
        (after.UserName, after.Role, after.Disabled, after.PasswordHash, after.UpdatedAt).ShouldBe((before.UserName, before.Role, before.Disabled, before.PasswordHash, before.UpdatedAt));
    }

    [Theory]
    [InlineData("add|carol/x|--password-stdin", Password + "\n", "A user name has 1 to 64")]
    [InlineData("add|carol|--role|root|--password-stdin", Password + "\n", "The role must be 'admin' or 'member'.")]
    [InlineData("add|carol|--password-stdin", "short-pw\n", "at least 12 characters")]
    public async Task Add_WithBadInputOnAFreshDataDirectory_ExitsTwoAndCreatesNoStore(string args, string stdin, string message)
    {
        var result = await RunAsync(["users", .. args.Split('|')], stdin);

        result.ExitCode.ShouldBe(2, result.Describe());
        result.Stderr.ShouldHaveSingleItem().ShouldContain(message);
        Directory.Exists(Data).ShouldBeFalse();
    }

    [Fact]
    public async Task Users_RemovingTheLastAdmin_IsRefused_UntilAnotherAdminExists()
    {
        (await RunAsync(["users", "add", "alice", "--role", "admin", "--password-stdin"], Password + "\n")).ShouldSucceed();
        (await RunAsync(["users", "add", "bob", "--password-stdin"], Password + "!\n")).ShouldSucceed();

        var refused = await RunAsync(["users", "remove", "alice"]);

        refused.ExitCode.ShouldBe(2, refused.Describe());
        refused.Stderr.ShouldHaveSingleItem().ShouldBe("onemcp: 'alice' is the last enabled admin; add another admin before removing, demoting or disabling it.");

        (await RunAsync(["users", "add", "carol", "--role", "admin", "--password-stdin"], Password + "?\n")).ShouldSucceed();
        (await RunAsync(["users", "remove", "alice"])).ShouldSucceed();
    }

    [Theory]
    [InlineData("list")]
    [InlineData("remove|alice")]
    [InlineData("set-password|alice|--password-stdin")]
    public async Task Users_OnADataDirectoryWithoutADatabase_ExitTwoAndCreateNothing(string args)
    {
        // A mistyped --data-dir: before, the command created a new, empty store there and answered from it.
        var result = await RunAsync(["users", .. args.Split('|')], Password + "\n");

        result.ExitCode.ShouldBe(2, result.Describe());
        result.Stderr.ShouldHaveSingleItem().ShouldBe(
            $"onemcp: there is no gateway database in {Data}: give the --data-dir (or ONEMCP_DATA_DIR) the gateway runs with, or add the first user with 'onemcp users add'.");
        Directory.Exists(Data).ShouldBeFalse();
    }

    [Fact]
    public async Task Users_WhenPostgreSqlIsUnreachable_ExitOneWithOneLineThatHidesThePassword()
    {
        var result = await RunAsync(["users", "list", "--database", "Host=127.0.0.1;Port=1;Username=onemcp;Password=s3cret-value;Timeout=2"]);

        result.ExitCode.ShouldBe(1, result.Describe());
        var line = result.Stderr.ShouldHaveSingleItem();
        line.ShouldStartWith("onemcp: cannot use the users of PostgreSQL");
        line.ShouldNotContain("s3cret-value");
    }

    [Fact]
    public async Task Serve_WithAdminVariables_CreatesTheAdminOnce_AndNeverPrintsThePassword()
    {
        const string adminPassword = "env-admin-Pa55word";
        var environment = new Dictionary<string, string>
        {
            ["ONEMCP_ADMIN_USERNAME"] = "root",
            ["ONEMCP_ADMIN_PASSWORD"] = adminPassword,
        };

        var first = await ServeUntilListeningAsync(environment);
        var list = await RunAsync(["users", "list"]);

        list.ShouldSucceed();
        list.Stdout.Count.ShouldBe(2, list.Describe());
        Columns(list.Stdout[1])[..3].ShouldBe(["root", "admin", "no"]);
        first.ShouldContain(line => line.Contains("Created the admin user 'root'", StringComparison.Ordinal));

        // The password changed since: a restart with the old variables must not put it back.
        (await RunAsync(["users", "set-password", "root", "--password-stdin"], "a changed admin password\n")).ShouldSucceed();
        var second = await ServeUntilListeningAsync(environment);

        second.ShouldContain(line => line.Contains("'root' already exists", StringComparison.Ordinal) && line.Contains("ignored", StringComparison.Ordinal));
        (await RunAsync(["users", "list"])).Stdout.Count.ShouldBe(2);
        first.Concat(second).Concat(list.Stdout).ShouldAllBe(line => !line.Contains(adminPassword, StringComparison.Ordinal));
    }

    // Columns of the table: cells are separated by two or more spaces; the CREATED cell holds one space.
    private static string[] Columns(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private async Task<IReadOnlyList<string>> ServeUntilListeningAsync(IReadOnlyDictionary<string, string> environment)
    {
        await using var gateway = GatewayProcess.Start(["serve", "--port", "0", "--data-dir", Data], _directory.Path, environment);
        await gateway.WaitForListeningAsync();
        await gateway.TerminateAsync();
        (await gateway.WaitForExitAsync()).ShouldBe(0, gateway.Describe());
        return [.. gateway.StandardOutput, .. gateway.StandardError];
    }

    [Fact]
    public async Task Remove_WhileTheGatewayRuns_RevokesTheUsersTokens()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            dataDirectory: Data,
            adjust: o => o with { EnableAuth = true, RateLimits = new OAuthRateLimits { PermitsPerWindow = 100_000, SignInPermitsPerWindow = 100_000 } });
        await gateway.AddUserAsync("alice", Password, "admin");
        await gateway.AddUserAsync("bob", "bob's long password", "member");
        var driver = new Support.OAuth.OAuthFlowDriver(gateway.BaseUrl);
        const string redirect = "http://127.0.0.1:46021/cb";
        var client = (await driver.RegisterClientAsync([redirect])).ClientId!;
        var pkce = Support.OAuth.Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, redirect, ["tag:web"], pkce, "bob", "bob's long password")).Redirect.Code!;
        var token = (await driver.ExchangeCodeAsync(client, code, redirect, pkce.Verifier)).AccessToken!;
        (await InitializeAsync(gateway, token)).ShouldBe(System.Net.HttpStatusCode.OK);

        (await RunAsync(["users", "remove", "bob"])).ShouldSucceed();

        // Another process revoked it: this gateway's cache of validated tokens forgets it within 10 seconds.
        await Eventually.ValueAsync(() => InitializeAsync(gateway, token), status => status == System.Net.HttpStatusCode.Unauthorized, "the removed user's token to be refused");
    }

    private static async Task<System.Net.HttpStatusCode> InitializeAsync(GatewayUnderTest gateway, string accessToken)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Url("/mcp"))
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                System.Text.Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    /// <summary>Runs <c>onemcp</c> to its end on the test's data directory, writing <paramref name="stdin"/> to it first.</summary>
    private Task<CliResult> RunAsync(string[] args, string stdin = "") => RunAsync(_directory, args, stdin);

    /// <summary>Runs <c>onemcp</c> to its end on the data directory in <paramref name="directory"/>, writing <paramref name="stdin"/> to it first.</summary>
    private static async Task<CliResult> RunAsync(TestDirectory directory, string[] args, string stdin = "")
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TestPaths.GatewayDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (!args.Contains("--database"))
        {
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(directory.File("data"));
        }

        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ONEMCP_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["XDG_DATA_HOME"] = directory.File("xdg");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the gateway");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            using var cancel = new CancellationTokenSource(GatewayProcess.DefaultTimeout);
            await process.WaitForExitAsync(cancel.Token);
            return new CliResult(process.ExitCode, Lines(await stdout), Lines(await stderr));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A data directory where <c>onemcp users add</c> added the admin alice, once for the class.</summary>
    public sealed class AliceDirectory : IDisposable
    {
        private readonly Lazy<Task<CliResult>> _added;

        public AliceDirectory() =>
            _added = new(() => RunAsync(Directory, ["users", "add", "alice", "--role", "admin", "--password-stdin"], Password + "\n"));

        internal TestDirectory Directory { get; } = new();

        /// <summary>The users in the directory's store, read as the gateway reads them.</summary>
        internal UserRepository Users => new(new SqliteConnectionFactory(new PersistenceOptions { DataDirectory = Directory.File("data") }));

        /// <summary>The result of adding alice (run by the first test that asks).</summary>
        internal Task<CliResult> AddedAsync() => _added.Value;

        public void Dispose() => Directory.Dispose();
    }

    internal sealed record CliResult(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)
    {
        public string Describe() => $"exit {ExitCode}\nstdout:\n{string.Join('\n', Stdout)}\nstderr:\n{string.Join('\n', Stderr)}";

        public void ShouldSucceed()
        {
            ExitCode.ShouldBe(0, Describe());
            Stderr.ShouldBeEmpty(Describe());
        }
    }
}
