using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Configuration;

/// <summary>The per-user fields of an mcp.json server (ADR 0033): credentials, idleTimeoutMinutes, maxInstances, approval, ${user:NAME}.</summary>
public sealed class PerUserFieldsParserTests
{
    private static McpConfigParseResult ParseServer(string serverJson, params (string Name, string Value)[] environment)
    {
        var variables = environment.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return McpConfigParser.Parse($$"""{ "mcpServers": { "s": {{serverJson}} } }""", name => variables.GetValueOrDefault(name));
    }

    private static BackendSettings Single(McpConfigParseResult result)
    {
        result.Errors.ShouldBeEmpty();
        return result.Backends.ShouldHaveSingleItem();
    }

    private static ConfigError SingleError(McpConfigParseResult result)
    {
        result.IsValid.ShouldBeFalse();
        return result.Errors.ShouldHaveSingleItem();
    }

    [Fact]
    public void Parse_WhenAStdioServerIsPerUser_MapsCredentialsIdleTimeoutAndMaxInstancesAndKeepsTheUserReference()
    {
        var backend = Single(ParseServer(
            """{ "command": "run", "credentials": "perUser", "idleTimeoutMinutes": 0.5, "maxInstances": 3, "env": { "KEY": "${user:API_KEY}", "HOME_DIR": "${HOME}" } }""",
            ("HOME", "/home/gw")));

        backend.Credentials.ShouldBe(BackendCredentialMode.PerUser);
        backend.IsPerUser.ShouldBeTrue();
        backend.Stdio().IdleTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        backend.Stdio().MaxInstances.ShouldBe(3);
        backend.Stdio().Environment["KEY"].ShouldBe("${user:API_KEY}");
        backend.Stdio().Environment["HOME_DIR"].ShouldBe("/home/gw");
        UserSecretReferences.In(backend).ShouldBe(["API_KEY"]);
    }

    [Fact]
    public void Parse_WhenAnHttpServerIsPerUserWithAdminApproval_MapsTheApprovalAndTheHeaderReference()
    {
        var backend = Single(ParseServer(
            """{ "url": "https://svc.example.test/mcp", "credentials": "perUser", "approval": "admin", "headers": { "X-Api-Key": "key ${user:API_KEY}" } }"""));

        backend.IsPerUser.ShouldBeTrue();
        backend.Http().Approval.ShouldBe(ConnectionApproval.Admin);
        backend.Http().Headers["X-Api-Key"].ShouldBe("key ${user:API_KEY}");
    }

    [Fact]
    public void Parse_WhenNoPerUserFieldIsSet_KeepsTheSharedDefaults()
    {
        var backend = Single(ParseServer("""{ "command": "run" }"""));

        backend.Credentials.ShouldBe(BackendCredentialMode.Shared);
        backend.Stdio().IdleTimeout.ShouldBe(StdioBackendSettings.DefaultIdleTimeout);
        backend.Stdio().MaxInstances.ShouldBe(StdioBackendSettings.DefaultMaxInstances);
    }

    [Fact]
    public void Parse_WhenCredentialsIsUnknown_ReportsTheAllowedValues()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "credentials": "mine" }"""));

        error.Path.ShouldBe("$.mcpServers.s.credentials");
        error.Message.ShouldBe("Unknown credentials mode 'mine'; expected shared or perUser.");
    }

    [Fact]
    public void Parse_WhenApprovalIsUnknown_ReportsTheAllowedValues()
    {
        var error = SingleError(ParseServer("""{ "url": "https://svc.example.test/mcp", "credentials": "perUser", "approval": "nobody" }"""));

        error.Path.ShouldBe("$.mcpServers.s.approval");
        error.Message.ShouldBe("Unknown approval 'nobody'; expected self or admin.");
    }

    [Theory]
    [InlineData("0", "Must be a positive number of minutes.")]
    [InlineData("-1", "Must be a positive number of minutes.")]
    [InlineData("\"5\"", "Expected a number of minutes, got a string.")]
    [InlineData("100000", "Must be at most 35791 minutes.")]
    [InlineData("1e-9", "Must be at least one second (0.0167 minutes).")]
    [InlineData("0.016", "Must be at least one second (0.0167 minutes).")]
    [InlineData("1e400", "Must be at most 35791 minutes.")]
    public void Parse_WhenIdleTimeoutIsNotAPositiveNumber_ReportsIt(string value, string message)
    {
        var error = SingleError(ParseServer($$"""{ "command": "run", "credentials": "perUser", "idleTimeoutMinutes": {{value}} }"""));

        error.Path.ShouldBe("$.mcpServers.s.idleTimeoutMinutes");
        error.Message.ShouldBe(message);
    }

    [Fact]
    public void Parse_WhenIdleTimeoutHasMoreThanMillisecondPrecision_KeepsWholeMilliseconds()
    {
        // Stored as whole milliseconds: a finer value would never compare equal to the stored one, and every reload
        // would restart the backend.
        var backend = Single(ParseServer("""{ "command": "run", "credentials": "perUser", "idleTimeoutMinutes": 0.123456 }"""));

        backend.Stdio().IdleTimeout.ShouldBe(TimeSpan.FromMilliseconds(7407));
        var stored = OneMcp.Infrastructure.Persistence.Repositories.BackendSettingsDocument.From(backend).ToSettings("s");
        stored.RequiresReconnectComparedTo(backend).ShouldBeFalse();
    }

    [Theory]
    [InlineData("0", "Must be a whole number of at least 1.")]
    [InlineData("1.5", "Expected a whole number.")]
    public void Parse_WhenMaxInstancesIsBelowOne_ReportsIt(string value, string message)
    {
        var error = SingleError(ParseServer($$"""{ "command": "run", "credentials": "perUser", "maxInstances": {{value}} }"""));

        error.Path.ShouldBe("$.mcpServers.s.maxInstances");
        error.Message.ShouldBe(message);
    }

    [Fact]
    public void Parse_WhenASharedServerReferencesAUserSecret_ReportsAConfigurationError()
    {
        var error = SingleError(ParseServer("""{ "url": "https://svc.example.test/mcp", "headers": { "X-Api-Key": "${user:API_KEY}" } }"""));

        error.Path.ShouldBe("$.mcpServers.s.headers.X-Api-Key");
        error.Message.ShouldContain("only header and env values of a backend with \"credentials\": \"perUser\" may reference one");
    }

    [Fact]
    public void Parse_WhenAPerUserServerReferencesAUserSecretOutsideHeadersAndEnv_ReportsAConfigurationError()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "credentials": "perUser", "args": ["--key=${user:API_KEY}"] }"""));

        error.Path.ShouldBe("$.mcpServers.s.args[0]");
        error.Message.ShouldContain("may reference one");
    }

    [Fact]
    public void Parse_WhenAUserReferenceIsMalformed_ReportsHowToWriteIt()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "credentials": "perUser", "env": { "KEY": "${user:1BAD}" } }"""));

        error.Path.ShouldBe("$.mcpServers.s.env.KEY");
        error.Message.ShouldStartWith("A user's secret is written ${user:NAME}");
    }

    [Fact]
    public void Parse_WhenServerDefaultsReferenceAUserSecret_ReportsAConfigurationError()
    {
        var result = McpConfigParser.Parse(
            """{ "serverDefaults": { "env": { "KEY": "${user:API_KEY}" } }, "mcpServers": { "s": { "command": "run", "credentials": "perUser" } } }""",
            _ => null);

        SingleError(result).Path.ShouldBe("$.serverDefaults.env.KEY");
    }

    [Fact]
    public void Parse_WhenPerUserFieldsDoNotApply_WarnsAndIgnoresThem()
    {
        var result = McpConfigParser.Parse(
            """
            {
              "mcpServers": {
                "shared": { "command": "run", "maxInstances": 2 },
                "local": { "command": "run", "credentials": "perUser", "approval": "admin" },
                "remote": { "url": "http://r/mcp", "credentials": "perUser", "idleTimeoutMinutes": 5 }
              }
            }
            """,
            _ => null);

        result.IsValid.ShouldBeTrue();
        result.Warnings.Select(w => w.Path).ShouldBe(
            ["$.mcpServers.shared.maxInstances", "$.mcpServers.local.approval", "$.mcpServers.remote.idleTimeoutMinutes"],
            ignoreOrder: true);
    }
}
