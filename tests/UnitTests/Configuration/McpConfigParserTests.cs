using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Configuration;

public sealed class McpConfigParserTests
{
    private static McpConfigParseResult Parse(string json, params (string Name, string Value)[] environment)
    {
        var variables = environment.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return McpConfigParser.Parse(json, name => variables.GetValueOrDefault(name));
    }

    private static BackendSettings ParseSingle(string json, params (string Name, string Value)[] environment)
    {
        var result = Parse(json, environment);
        result.Errors.ShouldBeEmpty();
        result.IsValid.ShouldBeTrue();
        return result.Backends.ShouldHaveSingleItem();
    }

    private static McpConfigParseResult ParseServer(string serverJson, params (string Name, string Value)[] environment) =>
        Parse($$"""{ "mcpServers": { "s": {{serverJson}} } }""", environment);

    private static ConfigError SingleError(McpConfigParseResult result)
    {
        result.IsValid.ShouldBeFalse();
        result.Backends.ShouldBeEmpty();
        return result.Errors.ShouldHaveSingleItem();
    }

    // ---- the top level ---------------------------------------------------------------------------

    [Fact]
    public void Parse_A1McpFileWithItsFormatVersion_LoadsIt()
    {
        var result = Parse("""{ "$schema": "https://docs.1mcp.app/schemas/v1.0.0/mcp-config.json", "version": "1.0.0", "mcpServers": { "s": { "command": "node" } } }""");

        result.Errors.ShouldBeEmpty();
        result.Warnings.ShouldBeEmpty();
        result.Backends.ShouldHaveSingleItem().Name.Value.ShouldBe("s");
    }

    [Theory]
    [InlineData("""{ "mcpServers": { "s": { "command": "node", "args": ["\uD83D"] } } }""")]
    [InlineData("""{ "mcpServers": { "s\uDE00": { "command": "node" } } }""")]
    public void Parse_AStringWithHalfASurrogatePair_IsAnErrorNotAnException(string json)
    {
        var error = SingleError(Parse(json));

        error.Message.ShouldContain("not valid text");
    }

    // ---- fields -------------------------------------------------------------------------------

    [Fact]
    public void Parse_WhenStdioServerSetsEveryField_MapsEachOne()
    {
        var backend = ParseSingle("""
            {
              "mcpServers": {
                "files": {
                  "type": "stdio",
                  "command": "npx",
                  "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"],
                  "cwd": "/srv/files",
                  "env": { "LOG_LEVEL": "debug", "MODE": "ro" },
                  "tags": ["fs", "local"],
                  "disabled": true,
                  "disabledTools": ["delete_file", "move_file"],
                  "toolDescriptionOverrides": { "read_file": "Read a file from /data." },
                  "instructionOverride": "Only read.",
                  "connectionTimeout": 5000,
                  "requestTimeout": 15000,
                  "restartOnExit": true,
                  "maxRestarts": 3,
                  "restartDelay": 250
                }
              }
            }
            """);

        backend.Name.Value.ShouldBe("files");
        backend.Transport.ShouldBe(BackendTransport.Stdio);
        backend.Stdio().Command.ShouldBe("npx");
        backend.Stdio().Args.ShouldBe(["-y", "@modelcontextprotocol/server-filesystem", "/data"]);
        backend.Stdio().WorkingDirectory.ShouldBe("/srv/files");
        backend.Stdio().Environment.ShouldBe(new Dictionary<string, string> { ["LOG_LEVEL"] = "debug", ["MODE"] = "ro" });
        backend.Tags.ShouldBe([Tag.From("fs"), Tag.From("local")]);
        backend.Disabled.ShouldBeTrue();
        backend.DisabledTools.ShouldBe(["delete_file", "move_file"], ignoreOrder: true);
        backend.ToolDescriptionOverrides.ShouldBe(new Dictionary<string, string> { ["read_file"] = "Read a file from /data." });
        backend.InstructionOverride.ShouldBe("Only read.");
        backend.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        backend.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(15));
        backend.Stdio().RestartOnExit.ShouldBeTrue();
        backend.Stdio().MaxRestarts.ShouldBe(3);
        backend.Stdio().RestartDelay.ShouldBe(TimeSpan.FromMilliseconds(250));
        backend.ShouldNotBeAssignableTo<HttpBackendSettings>(); // no url, headers or oauth
    }

    [Fact]
    public void Parse_WhenHttpServerSetsEveryField_MapsEachOne()
    {
        var backend = ParseSingle("""
            {
              "mcpServers": {
                "web": {
                  "type": "http",
                  "url": "https://mcp.example.com/mcp",
                  "headers": { "X-Team": "platform", "Accept-Language": "en" },
                  "oauth": {
                    "clientId": "gateway",
                    "clientSecret": "secret",
                    "scopes": ["read", "write"],
                    "redirectUrl": "https://gateway.example.com/oauth/callback/web"
                  },
                  "tags": ["web"]
                }
              }
            }
            """);

        backend.Transport.ShouldBe(BackendTransport.StreamableHttp);
        backend.Http().Url.ShouldBe(new Uri("https://mcp.example.com/mcp"));
        backend.Http().Headers.ShouldBe(new Dictionary<string, string> { ["X-Team"] = "platform", ["Accept-Language"] = "en" });
        backend.Http().OAuth.ShouldBe(new BackendOAuthSettings("gateway", "secret", ["read", "write"], new Uri("https://gateway.example.com/oauth/callback/web")));
        backend.ShouldNotBeOfType<StdioBackendSettings>(); // no command, args or env
        backend.Tags.ShouldBe([Tag.From("web")]);
    }

    [Fact]
    public void Parse_WhenOptionalFieldsAreOmitted_UsesBackendDefaults()
    {
        var backend = ParseSingle("""{ "mcpServers": { "s": { "command": "run" } } }""");

        backend.ConnectionTimeout.ShouldBe(BackendSettings.DefaultConnectionTimeout);
        backend.RequestTimeout.ShouldBe(BackendSettings.DefaultRequestTimeout);
        backend.Stdio().MaxRestarts.ShouldBe(BackendSettings.DefaultMaxRestarts);
        backend.Stdio().RestartDelay.ShouldBe(BackendSettings.DefaultRestartDelay);
        backend.Stdio().RestartOnExit.ShouldBeFalse();
        backend.Disabled.ShouldBeFalse();
        backend.InstructionOverride.ShouldBeNull();
        backend.Tags.ShouldBeEmpty();
        backend.DisabledTools.ShouldBeEmpty();
        backend.ToolDescriptionOverrides.ShouldBeEmpty();
        backend.Stdio().WorkingDirectory.ShouldBeNull();
    }

    [Theory]
    [InlineData("""{ "command": "run" }""", BackendTransport.Stdio)]
    [InlineData("""{ "url": "http://localhost:8080/mcp" }""", BackendTransport.StreamableHttp)]
    [InlineData("""{ "type": "stdio", "command": "run" }""", BackendTransport.Stdio)]
    [InlineData("""{ "type": "http", "url": "http://localhost/mcp" }""", BackendTransport.StreamableHttp)]
    [InlineData("""{ "type": "streamableHttp", "url": "http://localhost/mcp" }""", BackendTransport.StreamableHttp)]
    [InlineData("""{ "type": "sse", "url": "http://localhost/sse" }""", BackendTransport.Sse)]
    public void Parse_WhenTypeIsGivenOrInferred_SelectsTransport(string server, BackendTransport expected)
    {
        var backend = ParseSingle($$"""{ "mcpServers": { "s": {{server}} } }""");

        backend.Transport.ShouldBe(expected);
    }

    [Fact]
    public void Parse_WhenSeveralServers_KeepsFileOrder()
    {
        var result = Parse("""
            { "mcpServers": {
                "zeta": { "command": "z" },
                "alpha": { "url": "http://a/mcp" },
                "mid": { "command": "m" } } }
            """);

        result.Backends.Select(b => b.Name.Value).ShouldBe(["zeta", "alpha", "mid"]);
    }

    [Fact]
    public void Parse_WhenMcpServersIsEmpty_IsValidWithNoBackends()
    {
        var result = Parse("""{ "mcpServers": {} }""");

        result.IsValid.ShouldBeTrue();
        result.Backends.ShouldBeEmpty();
    }

    [Fact]
    public void Parse_WhenInstructionOverrideIsEmpty_KeepsEmptyStringToDropInstructions()
    {
        var backend = ParseSingle("""{ "mcpServers": { "s": { "command": "run", "instructionOverride": "" } } }""");

        backend.InstructionOverride.ShouldBe(string.Empty);
    }

    [Fact]
    public void Parse_WhenTagsRepeatInAnyCase_CollapsesThem()
    {
        var backend = ParseSingle("""{ "mcpServers": { "s": { "command": "run", "tags": ["web", "Web", " search ", "web"] } } }""");

        backend.Tags.ShouldBe([Tag.From("web"), Tag.From("search")]);
    }

    [Fact]
    public void Parse_WhenTagIsInvalid_ReportsItsIndex()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "tags": ["ok", "no spaces"] }"""));

        error.Path.ShouldBe("$.mcpServers.s.tags[1]");
    }

    [Fact]
    public void Parse_WhenOnlyDeprecatedTimeoutIsSet_UsesItForBothAndWarns()
    {
        var result = ParseServer("""{ "command": "run", "timeout": 7000 }""");

        var backend = result.Backends.ShouldHaveSingleItem();
        backend.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(7));
        backend.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(7));
        result.Warnings.ShouldHaveSingleItem().Path.ShouldBe("$.mcpServers.s.timeout");
    }

    [Fact]
    public void Parse_WhenSpecificTimeoutAndDeprecatedTimeoutAreSet_SpecificWins()
    {
        var backend = ParseServer("""{ "command": "run", "timeout": 7000, "requestTimeout": 9000 }""").Backends.ShouldHaveSingleItem();

        backend.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(7));
        backend.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(9));
    }

    [Fact]
    public void Parse_WhenMaxRestartsAndRestartDelayAreZero_AcceptsThem()
    {
        var backend = ParseSingle("""{ "mcpServers": { "s": { "command": "run", "maxRestarts": 0, "restartDelay": 0 } } }""");

        backend.Stdio().MaxRestarts.ShouldBe(0);
        backend.Stdio().RestartDelay.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Parse_WhenEnvUsesArrayForm_AssignsAndCopiesFromEnvironment()
    {
        var backend = ParseSingle(
            """{ "mcpServers": { "s": { "command": "run", "env": ["MODE=fast", "PATH", "ABSENT", "EXPR=a=b", "EMPTY="] } } }""",
            ("PATH", "/usr/bin"));

        backend.Stdio().Environment.ShouldBe(new Dictionary<string, string>
        {
            ["MODE"] = "fast",
            ["PATH"] = "/usr/bin",
            ["EXPR"] = "a=b",
            ["EMPTY"] = string.Empty,
        });
    }

    [Fact]
    public void Parse_WhenEnvArrayEntryHasNoName_ReportsItsIndex()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "env": ["A=1", "=oops"] }"""));

        error.Path.ShouldBe("$.mcpServers.s.env[1]");
    }

    [Fact]
    public void Parse_WhenEnvKeyIsInvalid_ReportsTheKey()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "env": { "BAD KEY": "1" } }"""));

        error.Path.ShouldBe("$.mcpServers.s.env['BAD KEY']");
    }

    [Fact]
    public void Parse_WhenServerNameContainsDot_UsesBracketPath()
    {
        var error = SingleError(Parse("""{ "mcpServers": { "my.server": { "command": "run", "args": [1] } } }"""));

        error.Path.ShouldBe("$.mcpServers['my.server'].args[0]");
    }

    // ---- serverDefaults -----------------------------------------------------------------------

    [Fact]
    public void Parse_WhenDefaultsAndServerSetEnv_MergesKeyByKeyWithServerWinning()
    {
        var backend = ParseSingle("""
            {
              "serverDefaults": { "env": { "LOG_LEVEL": "info", "REGION": "eu" } },
              "mcpServers": { "s": { "command": "run", "env": { "LOG_LEVEL": "debug", "OWN": "1" } } }
            }
            """);

        backend.Stdio().Environment.ShouldBe(new Dictionary<string, string> { ["LOG_LEVEL"] = "debug", ["REGION"] = "eu", ["OWN"] = "1" });
    }

    [Fact]
    public void Parse_WhenDefaultsEnvUsesArrayForm_MergesItToo()
    {
        var backend = ParseSingle(
            """
            {
              "serverDefaults": { "env": ["HOME", "REGION=eu"] },
              "mcpServers": { "s": { "command": "run", "env": ["REGION=us"] } }
            }
            """,
            ("HOME", "/home/gw"));

        backend.Stdio().Environment.ShouldBe(new Dictionary<string, string> { ["HOME"] = "/home/gw", ["REGION"] = "us" });
    }

    [Fact]
    public void Parse_WhenServerHasOwnHeadersAndOAuth_ReplacesDefaultsWholesale()
    {
        var result = Parse("""
            {
              "serverDefaults": {
                "headers": { "X-Default": "d", "X-Shared": "d" },
                "oauth": { "clientId": "default-client", "scopes": ["a"] }
              },
              "mcpServers": {
                "own": { "url": "http://own/mcp", "headers": { "X-Shared": "own" }, "oauth": { "clientId": "own-client" } },
                "inherits": { "url": "http://inherits/mcp" }
              }
            }
            """);

        result.Errors.ShouldBeEmpty();
        var own = result.Backends[0];
        own.Http().Headers.ShouldBe(new Dictionary<string, string> { ["X-Shared"] = "own" });
        own.Http().OAuth.ShouldBe(new BackendOAuthSettings("own-client", null, [], null));
        var inherits = result.Backends[1];
        inherits.Http().Headers.ShouldBe(new Dictionary<string, string> { ["X-Default"] = "d", ["X-Shared"] = "d" });
        inherits.Http().OAuth.ShouldBe(new BackendOAuthSettings("default-client", null, ["a"], null));
    }

    [Fact]
    public void Parse_WhenDefaultsSetScalars_UsesThemOnlyWhereServerLacksThem()
    {
        var result = Parse("""
            {
              "serverDefaults": {
                "connectionTimeout": 1000, "requestTimeout": 2000,
                "restartOnExit": true, "maxRestarts": 9, "restartDelay": 300
              },
              "mcpServers": {
                "plain": { "command": "run" },
                "own": { "command": "run", "connectionTimeout": 5000, "maxRestarts": 1, "restartOnExit": false }
              }
            }
            """);

        result.Errors.ShouldBeEmpty();
        var plain = result.Backends[0];
        plain.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(1));
        plain.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(2));
        plain.Stdio().RestartOnExit.ShouldBeTrue();
        plain.Stdio().MaxRestarts.ShouldBe(9);
        plain.Stdio().RestartDelay.ShouldBe(TimeSpan.FromMilliseconds(300));
        var own = result.Backends[1];
        own.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        own.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(2));
        own.Stdio().RestartOnExit.ShouldBeFalse();
        own.Stdio().MaxRestarts.ShouldBe(1);
        own.Stdio().RestartDelay.ShouldBe(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Parse_WhenServerSetsDeprecatedTimeout_ItBeatsDefaultsSpecificTimeouts()
    {
        // The server's own setting is more specific than anything in serverDefaults.
        var backend = Parse("""
            {
              "serverDefaults": { "connectionTimeout": 1000, "requestTimeout": 2000 },
              "mcpServers": { "s": { "command": "run", "timeout": 7000 } }
            }
            """).Backends.ShouldHaveSingleItem();

        backend.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(7));
        backend.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public void Parse_WhenDefaultsSetOnlyDeprecatedTimeout_ItIsTheFallbackForBoth()
    {
        var backend = Parse("""
            { "serverDefaults": { "timeout": 4000 }, "mcpServers": { "s": { "url": "http://s/mcp" } } }
            """).Backends.ShouldHaveSingleItem();

        backend.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(4));
        backend.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void Parse_WhenDefaultsHaveHeadersAndRestartSettings_AppliesEachOnlyToItsTransport()
    {
        var result = Parse("""
            {
              "serverDefaults": { "headers": { "X-Team": "t" }, "restartOnExit": true, "maxRestarts": 2, "env": { "A": "1" } },
              "mcpServers": {
                "local": { "command": "run" },
                "remote": { "url": "http://remote/mcp" }
              }
            }
            """);

        result.Errors.ShouldBeEmpty();
        result.Warnings.ShouldBeEmpty();
        var local = result.Backends[0];
        local.ShouldNotBeAssignableTo<HttpBackendSettings>(); // no headers
        local.Stdio().RestartOnExit.ShouldBeTrue();
        local.Stdio().Environment.ShouldBe(new Dictionary<string, string> { ["A"] = "1" });
        var remote = result.Backends[1];
        remote.Http().Headers.ShouldBe(new Dictionary<string, string> { ["X-Team"] = "t" });
        remote.ShouldNotBeOfType<StdioBackendSettings>(); // no env, no restart policy
    }

    [Fact]
    public void Parse_WhenDefaultsContainUnknownOrServerOnlyKeys_ReportsEach()
    {
        var result = Parse("""
            {
              "serverDefaults": { "tags": ["x"], "retries": 3, "inheritParentEnv": true },
              "mcpServers": {}
            }
            """);

        result.Errors.Select(e => e.Path).ShouldBe(["$.serverDefaults.tags", "$.serverDefaults.retries"]);
        result.Warnings.ShouldHaveSingleItem().Path.ShouldBe("$.serverDefaults.inheritParentEnv");
    }

    [Fact]
    public void Parse_WhenDefaultsIsNotAnObject_ReportsIt()
    {
        var error = SingleError(Parse("""{ "serverDefaults": [], "mcpServers": {} }"""));

        error.Path.ShouldBe("$.serverDefaults");
    }

    // ---- ${VAR} substitution ------------------------------------------------------------------

    [Fact]
    public void Parse_WhenValuesReferenceVariables_SubstitutesInEverySupportedField()
    {
        (string, string)[] environment =
        [
            ("BIN", "/opt/bin"), ("ROOT", "/data"), ("TOKEN", "t0k3n"), ("HOST", "mcp.example.com"),
            ("CLIENT", "cid"), ("SECRET", "csecret"), ("SCOPE", "repo"), ("GW", "gw.example.com"),
        ];
        var result = Parse(
            """
            {
              "mcpServers": {
                "local": {
                  "command": "${BIN}/server",
                  "args": ["--root", "${ROOT}"],
                  "cwd": "${ROOT}/work",
                  "env": { "API_TOKEN": "${TOKEN}" }
                },
                "remote": {
                  "url": "https://${HOST}/mcp",
                  "headers": { "Authorization": "Bearer ${TOKEN}" },
                  "oauth": { "clientId": "${CLIENT}", "clientSecret": "${SECRET}", "scopes": ["${SCOPE}"], "redirectUrl": "https://${GW}/cb" }
                }
              }
            }
            """,
            environment);

        result.Errors.ShouldBeEmpty();
        var local = result.Backends[0];
        local.Stdio().Command.ShouldBe("/opt/bin/server");
        local.Stdio().Args.ShouldBe(["--root", "/data"]);
        local.Stdio().WorkingDirectory.ShouldBe("/data/work");
        local.Stdio().Environment["API_TOKEN"].ShouldBe("t0k3n");
        var remote = result.Backends[1];
        remote.Http().Url.ShouldBe(new Uri("https://mcp.example.com/mcp"));
        remote.Http().Headers["Authorization"].ShouldBe("Bearer t0k3n");
        remote.Http().OAuth.ShouldBe(new BackendOAuthSettings("cid", "csecret", ["repo"], new Uri("https://gw.example.com/cb")));
    }

    [Fact]
    public void Parse_WhenDefaultsReferenceVariables_SubstitutesThem()
    {
        var backend = ParseSingle(
            """
            {
              "serverDefaults": { "headers": { "Authorization": "Bearer ${TOKEN}" } },
              "mcpServers": { "s": { "url": "http://s/mcp" } }
            }
            """,
            ("TOKEN", "abc"));

        backend.Http().Headers["Authorization"].ShouldBe("Bearer abc");
    }

    [Theory]
    [InlineData(null, "fallback")]
    [InlineData("", "fallback")]
    [InlineData("set", "set")]
    public void Parse_WhenReferenceHasDefault_UsesItWhenVariableIsUnsetOrEmpty(string? value, string expected)
    {
        var environment = value is null ? [] : new[] { ("LEVEL", value) };

        var backend = ParseSingle("""{ "mcpServers": { "s": { "command": "run", "args": ["${LEVEL:-fallback}"] } } }""", environment);

        backend.Stdio().Args.ShouldBe([expected]);
    }

    [Fact]
    public void Parse_WhenReferencedVariableIsMissing_ReportsPathAndVariableName()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "args": ["a", "b", "--key=${API_KEY}"] }"""));

        error.Path.ShouldBe("$.mcpServers.s.args[2]");
        error.Message.ShouldContain("'API_KEY'");
    }

    [Fact]
    public void Parse_WhenErrorsOccur_NeverPutsVariableValuesInMessages()
    {
        const string secret = "sup3r-s3cret-value";
        var result = ParseServer(
            """{ "url": "${BASE}", "headers": { "Authorization": "${TOKEN}", "X-Missing": "${NOPE}" }, "oauth": { "clientSecret": "${TOKEN}", "redirectUrl": "${BASE}" } }""",
            ("BASE", "not a url " + secret),
            ("TOKEN", secret));

        result.Errors.Select(e => e.Path).ShouldBe(
            ["$.mcpServers.s.url", "$.mcpServers.s.headers.X-Missing", "$.mcpServers.s.oauth.redirectUrl"],
            ignoreOrder: true);
        result.Errors.ShouldAllBe(e => !e.Message.Contains(secret));
    }

    [Fact]
    public void Parse_WhenDollarIsNotAReference_LeavesItAlone()
    {
        var backend = ParseSingle("""{ "mcpServers": { "s": { "command": "run", "args": ["^a$", "$HOME", "$${NOT_A_REF}", "cost: 5$"] } } }""");

        backend.Stdio().Args.ShouldBe(["^a$", "$HOME", "${NOT_A_REF}", "cost: 5$"]);
    }

    [Fact]
    public void Parse_WhenReferenceIsUnterminated_ReportsIt()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "cwd": "${HOME" }"""));

        error.Path.ShouldBe("$.mcpServers.s.cwd");
    }

    [Fact]
    public void Parse_WhenReferenceNameIsInvalid_ReportsIt()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "env": { "A": "${1ABC}" } }"""));

        error.Path.ShouldBe("$.mcpServers.s.env.A");
    }

    [Fact]
    public void Parse_WhenDisabledServerReferencesMissingVariable_WarnsInsteadOfFailing()
    {
        var result = ParseServer("""{ "url": "https://api/${MISSING_HOST}", "disabled": true, "headers": { "Authorization": "${MISSING_TOKEN}" } }""");

        result.IsValid.ShouldBeTrue();
        result.Backends.ShouldHaveSingleItem().Disabled.ShouldBeTrue();
        result.Warnings.Select(w => w.Path).ShouldBe(["$.mcpServers.s.url", "$.mcpServers.s.headers.Authorization"]);
    }

    [Fact]
    public void Parse_WhenDisabledServerHasAnUnsetVariableInItsUrlHost_KeepsTheServerWithAWarning()
    {
        // "https://${NOPE}/mcp" is no URL at all; the server must not vanish from a file reported valid (the sync
        // would delete its stored backend and credentials).
        var result = Parse("""{ "mcpServers": { "a": { "url": "https://${NOPE}/mcp", "disabled": true } } }""");

        result.IsValid.ShouldBeTrue();
        var backend = result.Backends.ShouldHaveSingleItem();
        backend.Name.Value.ShouldBe("a");
        backend.Disabled.ShouldBeTrue();
        backend.Http().Url.IsAbsoluteUri.ShouldBeFalse();
        Uri.UnescapeDataString(backend.Http().Url.OriginalString).ShouldBe("https://${NOPE}/mcp");
        var stored = OneMcp.Infrastructure.Persistence.Repositories.BackendSettingsDocument.From(backend).ToSettings("a");
        stored.RequiresReconnectComparedTo(backend).ShouldBeFalse();
        result.Warnings.ShouldHaveSingleItem().Path.ShouldBe("$.mcpServers.a.url");
    }

    [Fact]
    public void Parse_WhenAnEnvArrayNamesAnUnsetVariable_WarnsNamingItAndStartsWithoutIt()
    {
        var result = ParseServer("""{ "command": "run", "env": ["SET_ONE", "GITHUB_TOKEN", "X=1"] }""", ("SET_ONE", "v"));

        result.IsValid.ShouldBeTrue();
        result.Backends.ShouldHaveSingleItem().Stdio().Environment.Keys.ShouldBe(["SET_ONE", "X"], ignoreOrder: true);
        var warning = result.Warnings.ShouldHaveSingleItem();
        warning.Path.ShouldBe("$.mcpServers.s.env[1]");
        warning.Message.ShouldContain("GITHUB_TOKEN");
    }

    [Fact]
    public void Parse_WhenAnEnvArrayNamesASetVariable_PassesItThroughWithoutWarning()
    {
        var result = ParseServer("""{ "command": "run", "env": ["GITHUB_TOKEN"] }""", ("GITHUB_TOKEN", "s3cret-value"));

        result.Warnings.ShouldBeEmpty();
        result.Backends.ShouldHaveSingleItem().Stdio().Environment["GITHUB_TOKEN"].ShouldBe("s3cret-value");
    }

    [Theory]
    [InlineData("s3cret-value\n")]
    [InlineData("s3cret-value\r\n")]
    [InlineData("s3cr\u0000et")]
    [InlineData("s3cr\net")]
    public void Parse_WhenAHeaderValueHasALineBreakOrNul_ReportsItWithoutTheValue(string token)
    {
        var error = SingleError(ParseServer(
            """{ "url": "https://api.example.test/mcp", "headers": { "Authorization": "Bearer ${TOKEN}" } }""", ("TOKEN", token)));

        error.Path.ShouldBe("$.mcpServers.s.headers.Authorization");
        error.Message.ShouldContain("which an HTTP header value cannot hold");
        error.Message.ShouldNotContain("s3cr");
    }

    [Fact]
    public void Parse_WhenAHeaderValueWrittenInTheFileHasALineBreak_ReportsIt()
    {
        var error = SingleError(ParseServer("""{ "url": "https://api.example.test/mcp", "headers": { "X-Key": "abc\r\nX-Injected: 1" } }"""));

        error.Path.ShouldBe("$.mcpServers.s.headers.X-Key");
    }

    [Fact]
    public void Parse_WhenAnEnvValueHasANul_ReportsIt_ButALineBreakIsKept()
    {
        var nul = SingleError(ParseServer("""{ "command": "run", "env": { "KEY": "${K}" } }""", ("K", "a\0b")));
        nul.Path.ShouldBe("$.mcpServers.s.env.KEY");
        nul.Message.ShouldNotContain("a\0b");

        // A multi-line value (a PEM key) is a valid environment value.
        ParseSingle("""{ "mcpServers": { "s": { "command": "run", "env": { "KEY": "${K}" } } } }""", ("K", "line1\nline2\n"))
            .Stdio().Environment["KEY"].ShouldBe("line1\nline2\n");
    }

    [Fact]
    public void Parse_WhenServerDefaultsHeaderValueHasALineBreak_ReportsIt()
    {
        var error = SingleError(Parse(
            """{ "serverDefaults": { "headers": { "Authorization": "${TOKEN}" } }, "mcpServers": { "s": { "url": "https://a.example.test/mcp" } } }""",
            ("TOKEN", "t\n")));

        error.Path.ShouldBe("$.serverDefaults.headers.Authorization");
    }

    [Fact]
    public void Parse_WhenToolDescriptionContainsReference_DoesNotSubstitute()
    {
        var backend = ParseSingle(
            """{ "mcpServers": { "s": { "command": "run", "toolDescriptionOverrides": { "t": "Costs ${PRICE}" } } } }""",
            ("PRICE", "5"));

        backend.ToolDescriptionOverrides["t"].ShouldBe("Costs ${PRICE}");
    }

    // ---- validation ---------------------------------------------------------------------------

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"mcpServers\"")]
    public void Parse_WhenRootIsNotAnObject_ReportsRoot(string json)
    {
        SingleError(Parse(json)).Path.ShouldBe("$");
    }

    [Fact]
    public void Parse_WhenMcpServersIsMissing_ReportsIt()
    {
        var error = SingleError(Parse("""{ "$schema": "https://example.com/schema.json" }"""));

        error.Path.ShouldBe("$.mcpServers");
        error.Message.ShouldContain("missing");
    }

    [Fact]
    public void Parse_WhenMcpServersIsNotAnObject_ReportsIt()
    {
        SingleError(Parse("""{ "mcpServers": [] }""")).Path.ShouldBe("$.mcpServers");
    }

    [Fact]
    public void Parse_WhenServerEntryIsNotAnObject_ReportsIt()
    {
        SingleError(Parse("""{ "mcpServers": { "s": "npx server" } }""")).Path.ShouldBe("$.mcpServers.s");
    }

    [Theory]
    [InlineData("bad name", "$.mcpServers['bad name']")]
    [InlineData("-dash-first", "$.mcpServers.-dash-first")]
    [InlineData("a_1mcp_b", "$.mcpServers.a_1mcp_b")]
    [InlineData("", "$.mcpServers['']")]
    public void Parse_WhenServerNameIsInvalid_ReportsIt(string name, string expectedPath)
    {
        var error = SingleError(Parse($$"""{ "mcpServers": { "{{name}}": { "command": "run" } } }"""));

        error.Path.ShouldBe(expectedPath);
    }

    [Fact]
    public void Parse_WhenNamesDifferOnlyInCase_ReportsTheSecond()
    {
        var error = SingleError(Parse("""{ "mcpServers": { "web": { "command": "a" }, "Web": { "command": "b" } } }"""));

        error.Path.ShouldBe("$.mcpServers.Web");
        error.Message.ShouldContain("only in case");
    }

    [Fact]
    public void Parse_WhenServerIsDefinedTwice_ReportsTheRepeat()
    {
        var error = SingleError(Parse("""{ "mcpServers": { "web": { "command": "a" }, "web": { "command": "b" } } }"""));

        error.Path.ShouldBe("$.mcpServers.web");
    }

    [Fact]
    public void Parse_WhenFieldIsRepeated_ReportsIt()
    {
        SingleError(ParseServer("""{ "command": "a", "command": "b" }""")).Path.ShouldBe("$.mcpServers.s.command");
    }

    [Fact]
    public void Parse_WhenFieldIsUnknown_ReportsItWithASuggestion()
    {
        var error = SingleError(ParseServer("""{ "command": "run", "comand": "run" }"""));

        error.Path.ShouldBe("$.mcpServers.s.comand");
        error.Message.ShouldContain("did you mean 'command'");
    }

    [Fact]
    public void Parse_WhenTopLevelFieldIsUnknown_ReportsIt()
    {
        var error = SingleError(Parse("""{ "mcpServers": {}, "mcpServer": {} }"""));

        error.Path.ShouldBe("$.mcpServer");
        error.Message.ShouldContain("did you mean 'mcpServers'");
    }

    [Theory]
    [InlineData("""{ "command": 1 }""", "$.mcpServers.s.command")]
    [InlineData("""{ "command": "run", "type": 3 }""", "$.mcpServers.s.type")]
    [InlineData("""{ "command": "run", "args": "-y" }""", "$.mcpServers.s.args")]
    [InlineData("""{ "command": "run", "args": ["a", 2] }""", "$.mcpServers.s.args[1]")]
    [InlineData("""{ "command": "run", "cwd": false }""", "$.mcpServers.s.cwd")]
    [InlineData("""{ "command": "run", "env": "A=1" }""", "$.mcpServers.s.env")]
    [InlineData("""{ "command": "run", "env": { "A": 1 } }""", "$.mcpServers.s.env.A")]
    [InlineData("""{ "command": "run", "env": ["A=1", null] }""", "$.mcpServers.s.env[1]")]
    [InlineData("""{ "url": "http://s/mcp", "headers": ["X: 1"] }""", "$.mcpServers.s.headers")]
    [InlineData("""{ "url": "http://s/mcp", "headers": { "X-A": true } }""", "$.mcpServers.s.headers.X-A")]
    [InlineData("""{ "command": "run", "tags": "web" }""", "$.mcpServers.s.tags")]
    [InlineData("""{ "command": "run", "disabled": "yes" }""", "$.mcpServers.s.disabled")]
    [InlineData("""{ "command": "run", "disabled": 1 }""", "$.mcpServers.s.disabled")]
    [InlineData("""{ "command": "run", "disabledTools": [""] }""", "$.mcpServers.s.disabledTools[0]")]
    [InlineData("""{ "command": "run", "toolDescriptionOverrides": [] }""", "$.mcpServers.s.toolDescriptionOverrides")]
    [InlineData("""{ "command": "run", "toolDescriptionOverrides": { "t": 5 } }""", "$.mcpServers.s.toolDescriptionOverrides.t")]
    [InlineData("""{ "command": "run", "toolDescriptionOverrides": { "t": "  " } }""", "$.mcpServers.s.toolDescriptionOverrides.t")]
    [InlineData("""{ "command": "run", "instructionOverride": null }""", "$.mcpServers.s.instructionOverride")]
    [InlineData("""{ "command": "run", "connectionTimeout": "5000" }""", "$.mcpServers.s.connectionTimeout")]
    [InlineData("""{ "command": "run", "requestTimeout": 1.5 }""", "$.mcpServers.s.requestTimeout")]
    [InlineData("""{ "command": "run", "restartOnExit": "true" }""", "$.mcpServers.s.restartOnExit")]
    [InlineData("""{ "command": "run", "maxRestarts": 2.5 }""", "$.mcpServers.s.maxRestarts")]
    [InlineData("""{ "url": "http://s/mcp", "oauth": "client" }""", "$.mcpServers.s.oauth")]
    [InlineData("""{ "url": "http://s/mcp", "oauth": { "scopes": "a b" } }""", "$.mcpServers.s.oauth.scopes")]
    [InlineData("""{ "url": "http://s/mcp", "oauth": { "clientId": 7 } }""", "$.mcpServers.s.oauth.clientId")]
    [InlineData("""{ "url": "http://s/mcp", "oauth": { "clientID": "x" } }""", "$.mcpServers.s.oauth.clientID")]
    [InlineData("""{ "url": "http://s/mcp", "oauth": { "redirectUrl": "/callback" } }""", "$.mcpServers.s.oauth.redirectUrl")]
    [InlineData("""{ "url": "http://s/mcp", "headers": { "Bad Header": "x" } }""", "$.mcpServers.s.headers['Bad Header']")]
    [InlineData("""{ "url": "http://s/mcp", "headers": { "X-A": "1", "x-a": "2" } }""", "$.mcpServers.s.headers.x-a")]
    public void Parse_WhenFieldHasWrongTypeOrValue_ReportsItsPath(string server, string expectedPath)
    {
        SingleError(ParseServer(server)).Path.ShouldBe(expectedPath);
    }

    [Theory]
    [InlineData("connectionTimeout", -1)]
    [InlineData("connectionTimeout", 0)]
    [InlineData("requestTimeout", -100)]
    [InlineData("timeout", -5)]
    [InlineData("maxRestarts", -1)]
    [InlineData("restartDelay", -1)]
    public void Parse_WhenNumberIsNegativeOrZeroTimeout_ReportsIt(string field, int value)
    {
        var result = ParseServer($$"""{ "command": "run", "{{field}}": {{value}} }""");

        SingleError(result).Path.ShouldBe($"$.mcpServers.s.{field}");
    }

    [Fact]
    public void Parse_WhenTimeoutExceedsTimerRange_ReportsIt()
    {
        SingleError(ParseServer("""{ "command": "run", "requestTimeout": 99999999999 }""")).Path.ShouldBe("$.mcpServers.s.requestTimeout");
    }

    [Fact]
    public void Parse_WhenStdioServerLacksCommand_ReportsMissingCommand()
    {
        var error = SingleError(ParseServer("""{ "type": "stdio", "args": ["x"] }"""));

        error.Path.ShouldBe("$.mcpServers.s.command");
    }

    [Fact]
    public void Parse_WhenCommandIsBlank_ReportsIt()
    {
        SingleError(ParseServer("""{ "command": "  " }""")).Path.ShouldBe("$.mcpServers.s.command");
    }

    [Theory]
    [InlineData("http")]
    [InlineData("streamableHttp")]
    [InlineData("sse")]
    public void Parse_WhenRemoteServerLacksUrl_ReportsMissingUrl(string type)
    {
        var error = SingleError(ParseServer($$"""{ "type": "{{type}}" }"""));

        error.Path.ShouldBe("$.mcpServers.s.url");
        error.Message.ShouldContain(type);
    }

    [Theory]
    [InlineData("mcp.example.com/mcp")]
    [InlineData("/relative/mcp")]
    [InlineData("ftp://files.example.com/mcp")]
    [InlineData("file:///tmp/mcp.sock")]
    public void Parse_WhenUrlIsNotAbsoluteHttp_ReportsItWithoutEchoingIt(string url)
    {
        var error = SingleError(ParseServer($$"""{ "url": "{{url}}" }"""));

        error.Path.ShouldBe("$.mcpServers.s.url");
        error.Message.ShouldBe("'url' must be an absolute http or https URL.");
    }

    [Fact]
    public void Parse_WhenHttpServerHasCommand_ReportsCommand()
    {
        var error = SingleError(ParseServer("""{ "type": "http", "url": "http://s/mcp", "command": "run" }"""));

        error.Path.ShouldBe("$.mcpServers.s.command");
        error.Message.ShouldBe("'command' is not valid for a server of type http.");
    }

    [Fact]
    public void Parse_WhenStdioServerHasUrl_ReportsUrl()
    {
        var error = SingleError(ParseServer("""{ "type": "stdio", "command": "run", "url": "http://s/mcp" }"""));

        error.Path.ShouldBe("$.mcpServers.s.url");
        error.Message.ShouldBe("'url' is not valid for a server of type stdio.");
    }

    [Fact]
    public void Parse_WhenServerHasNeitherCommandNorUrl_ReportsTheServer()
    {
        SingleError(ParseServer("""{ "args": ["x"] }""")).Path.ShouldBe("$.mcpServers.s");
    }

    [Fact]
    public void Parse_WhenUntypedServerHasCommandAndUrl_ReportsTheServer()
    {
        SingleError(ParseServer("""{ "command": "run", "url": "http://s/mcp" }""")).Path.ShouldBe("$.mcpServers.s");
    }

    [Fact]
    public void Parse_WhenTypeIsUnknown_ReportsType()
    {
        var error = SingleError(ParseServer("""{ "type": "websocket", "url": "ws://s" }"""));

        error.Path.ShouldBe("$.mcpServers.s.type");
        error.Message.ShouldContain("websocket");
    }

    [Fact]
    public void Parse_WhenManyThingsAreWrong_CollectsEveryError()
    {
        var result = Parse("""
            {
              "serverDefaults": { "requestTimeout": -1 },
              "mcpServers": {
                "ok": { "command": "run" },
                "bad name": { "command": "run" },
                "web": { "type": "http", "command": "x", "args": ["a", 1] },
                "local": { "command": "run", "maxRestarts": -2, "tags": ["", "fine"], "colour": "red" },
                "Local": { "command": "run" }
              },
              "extra": true
            }
            """);

        result.IsValid.ShouldBeFalse();
        result.Backends.ShouldBeEmpty();
        result.Errors.Select(e => e.Path).ShouldBe(
        [
            "$.extra",
            "$.serverDefaults.requestTimeout",
            "$.mcpServers['bad name']",
            "$.mcpServers.web.args[1]",
            "$.mcpServers.web.command",
            "$.mcpServers.web.url",
            "$.mcpServers.local.maxRestarts",
            "$.mcpServers.local.tags[0]",
            "$.mcpServers.local.colour",
            "$.mcpServers.Local",
        ]);
    }

    // ---- syntax and warnings ------------------------------------------------------------------

    [Fact]
    public void Parse_WhenFileHasCommentsAndTrailingCommas_AcceptsIt()
    {
        var backend = ParseSingle("""
            {
              // Claude Desktop style file
              "mcpServers": {
                /* the only server */
                "s": { "command": "run", "args": ["a", "b",], },
              },
            }
            """);

        backend.Stdio().Args.ShouldBe(["a", "b"]);
    }

    [Fact]
    public void Parse_WhenJsonIsMalformed_ReportsRootWithLineAndPosition()
    {
        var error = SingleError(Parse("{\n  \"mcpServers\": {\n    \"s\": { \"command\" \"run\" }\n  }\n}"));

        error.Path.ShouldBe("$");
        error.Message.ShouldStartWith("Invalid JSON at line 3, position ");
        error.Message.ShouldNotContain("LineNumber");
    }

    [Fact]
    public void Parse_WhenJsonIsEmpty_ReportsRoot()
    {
        SingleError(Parse("   ")).Path.ShouldBe("$");
    }

    [Fact]
    public void Parse_WhenSchemaIsPresent_AcceptsItSilently()
    {
        var result = Parse("""{ "$schema": "https://docs.1mcp.app/schemas/v1.0.0/mcp-config.json", "mcpServers": {} }""");

        result.IsValid.ShouldBeTrue();
        result.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Parse_WhenUnsupported1McpKeysArePresent_WarnsAndStaysValid()
    {
        var result = Parse("""
            {
              "mcpTemplates": {},
              "templateSettings": {},
              "mcpServers": {
                "s": { "command": "run", "inheritParentEnv": true, "envFilter": ["PATH"], "stderr": "inherit" },
                "r": { "url": "http://r/mcp", "oauth": { "autoRegister": true } }
              }
            }
            """);

        result.IsValid.ShouldBeTrue();
        result.Backends.Count.ShouldBe(2);
        result.Warnings.Select(w => w.Path).ShouldBe(
        [
            "$.mcpTemplates",
            "$.templateSettings",
            "$.mcpServers.s.inheritParentEnv",
            "$.mcpServers.s.envFilter",
            "$.mcpServers.s.stderr",
            "$.mcpServers.r.oauth.autoRegister",
        ]);
    }

    [Fact]
    public void Parse_AClineFileWithItsApprovalLists_LoadsAndSaysTheyAreIgnored()
    {
        var result = Parse("""
            { "mcpServers": { "s": { "command": "run", "disabled": false, "autoApprove": ["echo"], "alwaysAllow": [] } } }
            """);

        result.IsValid.ShouldBeTrue();
        result.Warnings.Select(w => w.Path).ShouldBe(["$.mcpServers.s.autoApprove", "$.mcpServers.s.alwaysAllow"]);
        result.Warnings[0].Message.ShouldContain("approval list");
    }

    [Fact]
    public void Parse_WhenFieldDoesNotApplyToTransport_WarnsAndIgnoresIt()
    {
        var result = Parse("""
            {
              "mcpServers": {
                "local": { "command": "run", "headers": { "X": "1" } },
                "remote": { "url": "http://r/mcp", "env": { "A": "1" }, "restartOnExit": true }
              }
            }
            """);

        result.IsValid.ShouldBeTrue();
        result.Warnings.Select(w => w.Path).ShouldBe(["$.mcpServers.local.headers", "$.mcpServers.remote.env", "$.mcpServers.remote.restartOnExit"]);
        result.Backends[0].ShouldNotBeAssignableTo<HttpBackendSettings>(); // no headers
        result.Backends[1].ShouldNotBeOfType<StdioBackendSettings>(); // no env, no restart policy
    }
}
