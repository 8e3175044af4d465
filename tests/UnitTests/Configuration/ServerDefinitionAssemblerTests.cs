using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Configuration;

/// <summary>
/// The server-definition assembler on its own: one entry as written (already type-checked by the reader) in,
/// settings or reported problems out. Paths are those of an entry <c>s</c> in an mcp.json.
/// </summary>
public sealed class ServerDefinitionAssemblerTests
{
    private const string EntryPath = "$.mcpServers.s";

    private readonly ConfigDiagnostics _diagnostics = new();
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    private ServerDefinitionAssembler Assembler() => new(_diagnostics, name => _environment.GetValueOrDefault(name));

    private BackendSettings? Assemble(EntryBuilder entry, ServerDefaults? defaults = null) =>
        Assembler().Assemble(ServerName.From("s"), entry.Raw, EntryPath, defaults ?? ServerDefaults.None);

    private BackendSettings AssembleValid(EntryBuilder entry, ServerDefaults? defaults = null)
    {
        var settings = Assemble(entry, defaults);
        _diagnostics.Errors.ShouldBeEmpty();
        return settings.ShouldNotBeNull();
    }

    private ConfigError SingleError(EntryBuilder entry, ServerDefaults? defaults = null)
    {
        Assemble(entry, defaults).ShouldBeNull();
        return _diagnostics.Errors.ShouldHaveSingleItem();
    }

    private static EntryBuilder Entry() => new();

    // ---- choosing the transport ------------------------------------------------------------------

    [Fact]
    public void Assemble_WhenOnlyCommandIsSet_InfersStdioWithDefaultRestartPolicy()
    {
        var settings = AssembleValid(Entry().Command("node").Args("server.js", "--port", "0"));

        settings.Name.ShouldBe(ServerName.From("s"));
        settings.Transport.ShouldBe(BackendTransport.Stdio);
        settings.Stdio().Command.ShouldBe("node");
        settings.Stdio().Args.ShouldBe(["server.js", "--port", "0"]);
        settings.Stdio().WorkingDirectory.ShouldBeNull();
        settings.Stdio().Environment.ShouldBeEmpty();
        settings.Stdio().RestartOnExit.ShouldBeFalse();
        settings.Stdio().MaxRestarts.ShouldBe(BackendSettings.DefaultMaxRestarts);
        settings.Stdio().RestartDelay.ShouldBe(BackendSettings.DefaultRestartDelay);
        settings.ConnectionTimeout.ShouldBe(BackendSettings.DefaultConnectionTimeout);
        settings.RequestTimeout.ShouldBe(BackendSettings.DefaultRequestTimeout);
        _diagnostics.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Assemble_WhenOnlyUrlIsSet_InfersStreamableHttp()
    {
        var settings = AssembleValid(Entry().Url("https://svc.example.test/mcp"));

        settings.Transport.ShouldBe(BackendTransport.StreamableHttp);
        settings.Http().Url.ShouldBe(new Uri("https://svc.example.test/mcp"));
        settings.Http().Headers.ShouldBeEmpty();
        settings.Http().OAuth.ShouldBeNull();
    }

    [Theory]
    [InlineData("stdio", BackendTransport.Stdio)]
    [InlineData("http", BackendTransport.StreamableHttp)]
    [InlineData("streamableHttp", BackendTransport.StreamableHttp)]
    [InlineData("sse", BackendTransport.Sse)]
    public void Assemble_WhenTypeIsSet_UsesThatTransport(string type, BackendTransport expected)
    {
        var entry = expected == BackendTransport.Stdio
            ? Entry().Type(type).Command("node")
            : Entry().Type(type).Url("http://localhost:9000/mcp");

        AssembleValid(entry).Transport.ShouldBe(expected);
    }

    [Fact]
    public void Assemble_WhenTypeIsUnknown_ReportsItAtTheTypeField()
    {
        var error = SingleError(Entry().Type("websocket").Url("ws://localhost"));

        error.Path.ShouldBe("$.mcpServers.s.type");
        error.Message.ShouldBe("Unknown server type 'websocket'; expected stdio, http, streamableHttp or sse.");
    }

    [Fact]
    public void Assemble_WhenCommandAndUrlAreBothSetWithoutType_ReportsTheAmbiguityAtTheEntry()
    {
        var error = SingleError(Entry().Command("node").Url("https://svc.example.test/mcp"));

        error.Path.ShouldBe(EntryPath);
        error.Message.ShouldBe("A server cannot have both 'command' and 'url'; set 'type' to say which transport it uses.");
    }

    [Fact]
    public void Assemble_WhenNeitherCommandNorUrlIsSet_ReportsWhatIsNeeded()
    {
        var error = SingleError(Entry().Tags("web"));

        error.Path.ShouldBe(EntryPath);
        error.Message.ShouldBe("A server needs 'command' (a stdio server) or 'url' (an http or sse server).");
    }

    [Fact]
    public void Assemble_WhenCommandIsPresentButWasNotAString_InfersStdioWithoutAnotherError()
    {
        // The reader reported the wrong type; the assembler must not add "needs 'command'" on top.
        Assemble(Entry().PresentOnly("command")).ShouldBeNull();

        _diagnostics.Errors.ShouldBeEmpty();
        _diagnostics.Warnings.ShouldBeEmpty();
    }

    // ---- stdio rules ------------------------------------------------------------------------------

    [Fact]
    public void Assemble_WhenStdioTypeHasNoCommand_ReportsTheMissingCommand()
    {
        var error = SingleError(Entry().Type("stdio").Args("x"));

        error.Path.ShouldBe("$.mcpServers.s.command");
        error.Message.ShouldBe("A server of type stdio needs 'command'.");
    }

    [Fact]
    public void Assemble_WhenCommandIsBlank_ReportsIt()
    {
        var error = SingleError(Entry().Command("  "));

        error.Path.ShouldBe("$.mcpServers.s.command");
        error.Message.ShouldBe("'command' must not be empty.");
    }

    [Fact]
    public void Assemble_WhenStdioServerHasUrl_ReportsTheUrlAsInvalid()
    {
        var error = SingleError(Entry().Type("stdio").Command("node").Url("https://svc.example.test/mcp"));

        error.Path.ShouldBe("$.mcpServers.s.url");
        error.Message.ShouldBe("'url' is not valid for a server of type stdio.");
    }

    [Fact]
    public void Assemble_WhenStdioServerHasHeadersAndOAuth_WarnsThatTheyHaveNoEffect()
    {
        var settings = AssembleValid(Entry().Command("node").Header("X-Team", "a").OAuth(clientId: "gw"));

        settings.ShouldNotBeAssignableTo<HttpBackendSettings>(); // no headers, no oauth
        _diagnostics.Warnings.Select(w => (w.Path, w.Message)).ShouldBe(
        [
            ("$.mcpServers.s.headers", "'headers' has no effect on a server of type stdio; it is ignored."),
            ("$.mcpServers.s.oauth", "'oauth' has no effect on a server of type stdio; it is ignored."),
        ]);
    }

    [Fact]
    public void Assemble_WhenStdioServerSetsRestartAndWorkingDirectory_MapsThem()
    {
        var settings = AssembleValid(Entry().Command("node").Cwd("/srv").RestartOnExit(true).MaxRestarts(0).RestartDelay(0));

        settings.Stdio().WorkingDirectory.ShouldBe("/srv");
        settings.Stdio().RestartOnExit.ShouldBeTrue();
        settings.Stdio().MaxRestarts.ShouldBe(0);
        settings.Stdio().RestartDelay.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Assemble_WhenWorkingDirectorySubstitutesToEmpty_LeavesItUnset()
    {
        var settings = AssembleValid(Entry().Command("node").Cwd("${PROJECT_DIR:-}"));

        settings.Stdio().WorkingDirectory.ShouldBeNull();
    }

    // ---- http and sse rules -----------------------------------------------------------------------

    [Fact]
    public void Assemble_WhenSseTypeHasNoUrl_ReportsTheMissingUrlWithTheTypeAsWritten()
    {
        var error = SingleError(Entry().Type("sse"));

        error.Path.ShouldBe("$.mcpServers.s.url");
        error.Message.ShouldBe("A server of type sse needs 'url'.");
    }

    [Fact]
    public void Assemble_WhenHttpServerHasCommand_ReportsTheCommandAsInvalid()
    {
        var error = SingleError(Entry().Type("http").Url("https://svc.example.test/mcp").Command("node"));

        error.Path.ShouldBe("$.mcpServers.s.command");
        error.Message.ShouldBe("'command' is not valid for a server of type http.");
    }

    [Fact]
    public void Assemble_WhenHttpServerHasStdioFields_WarnsForEachInOrder()
    {
        AssembleValid(Entry().Url("https://svc.example.test/mcp").Args("a").Cwd("/srv").Env("K", "v")
            .RestartOnExit(true).MaxRestarts(2).RestartDelay(10));

        _diagnostics.Warnings.Select(w => w.Path).ShouldBe(
        [
            "$.mcpServers.s.args", "$.mcpServers.s.cwd", "$.mcpServers.s.env", "$.mcpServers.s.restartOnExit",
            "$.mcpServers.s.maxRestarts", "$.mcpServers.s.restartDelay",
        ]);
        _diagnostics.Warnings[0].Message.ShouldBe("'args' has no effect on a server of type http; it is ignored.");
    }

    [Theory]
    [InlineData("ftp://files.example.test/mcp")]
    [InlineData("/relative/mcp")]
    [InlineData("not a url")]
    public void Assemble_WhenUrlIsNotAbsoluteHttp_ReportsItWithoutEchoingTheValue(string url)
    {
        var error = SingleError(Entry().Url(url));

        error.Path.ShouldBe("$.mcpServers.s.url");
        error.Message.ShouldBe("'url' must be an absolute http or https URL.");
    }

    [Fact]
    public void Assemble_WhenOAuthRedirectIsNotHttp_ReportsItAtTheRedirectField()
    {
        var error = SingleError(Entry().Url("https://svc.example.test/mcp").OAuth(redirectUrl: "mailto:x@example.test"));

        error.Path.ShouldBe("$.mcpServers.s.oauth.redirectUrl");
        error.Message.ShouldBe("'redirectUrl' must be an absolute http or https URL.");
    }

    [Fact]
    public void Assemble_WhenHttpServerSetsHeadersAndOAuth_MapsThem()
    {
        var settings = AssembleValid(Entry().Url("https://svc.example.test/mcp").Header("X-Team", "platform")
            .OAuth(clientId: "gw", clientSecret: "s3cret", scopes: ["read", "write"], redirectUrl: "https://gw.example.test/cb"));

        settings.Http().Headers.ShouldBe(new Dictionary<string, string> { ["X-Team"] = "platform" });
        settings.Http().Headers["x-team"].ShouldBe("platform");
        settings.Http().OAuth.ShouldBe(new BackendOAuthSettings("gw", "s3cret", ["read", "write"], new Uri("https://gw.example.test/cb")));
    }

    // ---- ${VAR} -----------------------------------------------------------------------------------

    [Fact]
    public void Assemble_SubstitutesVariablesInEveryStringOfTheTransport()
    {
        _environment["BIN"] = "/usr/bin/node";
        _environment["TOKEN"] = "t0k";
        var settings = AssembleValid(Entry().Command("${BIN}").Args("--token=${TOKEN}").Env("AUTH", "Bearer ${TOKEN}"));

        settings.Stdio().Command.ShouldBe("/usr/bin/node");
        settings.Stdio().Args.ShouldBe(["--token=t0k"]);
        settings.Stdio().Environment["AUTH"].ShouldBe("Bearer t0k");
    }

    [Fact]
    public void Assemble_WhenAVariableIsMissing_ReportsItAtTheValueThatUsesIt()
    {
        var error = SingleError(Entry().Url("https://svc.example.test/mcp").Header("Authorization", "Bearer ${TOKEN}"));

        error.Path.ShouldBe("$.mcpServers.s.headers.Authorization");
        error.Message.ShouldBe("Environment variable 'TOKEN' is not set (use ${TOKEN:-default} to give a default).");
    }

    [Fact]
    public void Assemble_WhenAVariableIsMissingInADisabledServer_WarnsAndKeepsTheReferenceAsWritten()
    {
        var settings = AssembleValid(Entry().Command("node").Args("${TOKEN}").Disabled());

        settings.Disabled.ShouldBeTrue();
        settings.Stdio().Args.ShouldBe(["${TOKEN}"]);
        var warning = _diagnostics.Warnings.ShouldHaveSingleItem();
        warning.Path.ShouldBe("$.mcpServers.s.args[0]");
        warning.Message.ShouldEndWith("The server is disabled, so this is not an error yet.");
    }

    [Theory]
    [InlineData(null, "--x=b-1}")]
    [InlineData("a", "--x=a}")]
    public void Assemble_ADefaultThatHoldsAnotherReference_IsReadAsAShellReadsIt(string? outer, string expected)
    {
        // Before: the reference ended at the inner '}', so the backend got "${B" or "a}" with a stray brace.
        if (outer is not null)
        {
            _environment["A"] = outer;
        }

        _environment["B"] = "b";
        var settings = AssembleValid(Entry().Command("node").Args("--x=${A:-${B}-${C:-1}}}"));

        settings.Stdio().Args.ShouldBe([expected]);
    }

    [Fact]
    public void Assemble_AnUnsetVariableInAnUnusedDefault_IsNoProblem()
    {
        _environment["A"] = "a";

        var settings = AssembleValid(Entry().Command("node").Args("${A:-${MISSING}}"));

        settings.Stdio().Args.ShouldBe(["a"]);
    }

    [Fact]
    public void Assemble_WhenTheUrlVariableIsMissing_ReportsOnlyTheVariable()
    {
        var error = SingleError(Entry().Url("${BASE_URL}/mcp"));

        error.Path.ShouldBe("$.mcpServers.s.url");
        error.Message.ShouldBe("Environment variable 'BASE_URL' is not set (use ${BASE_URL:-default} to give a default).");
    }

    // ---- serverDefaults ---------------------------------------------------------------------------

    [Fact]
    public void Assemble_MergesDefaultEnvironmentKeyByKeyWithTheServerWinning()
    {
        var defaults = Assembler().AssembleDefaults(Entry().Env("LOG", "info").Env("REGION", "eu").Raw);

        var settings = AssembleValid(Entry().Command("node").Env("LOG", "debug"), defaults);

        settings.Stdio().Environment.ShouldBe(new Dictionary<string, string> { ["LOG"] = "debug", ["REGION"] = "eu" }, ignoreOrder: true);
    }

    [Fact]
    public void Assemble_WhenServerHasOwnHeaders_ReplacesTheDefaultHeadersWholesale()
    {
        var defaults = Assembler().AssembleDefaults(Entry().Header("X-Default", "d").OAuth(clientId: "default").Raw);

        var own = AssembleValid(Entry().Url("https://a.example.test/mcp").Header("X-Own", "o"), defaults);
        var inherited = AssembleValid(Entry().Url("https://b.example.test/mcp"), defaults);

        own.Http().Headers.Keys.ShouldBe(["X-Own"]);
        own.Http().OAuth!.ClientId.ShouldBe("default");
        inherited.Http().Headers.Keys.ShouldBe(["X-Default"]);
    }

    [Fact]
    public void Assemble_TakesTimeoutsFromTheMostSpecificSetting()
    {
        var defaults = Assembler().AssembleDefaults(Entry().ConnectionTimeout(1_000).Timeout(2_000).Raw);

        var fromDefaults = AssembleValid(Entry().Command("node"), defaults);
        var fromOwnTimeout = AssembleValid(Entry().Command("node").Timeout(3_000), defaults);
        var fromOwnFields = AssembleValid(Entry().Command("node").Timeout(3_000).ConnectionTimeout(4_000).RequestTimeout(5_000), defaults);

        (fromDefaults.ConnectionTimeout, fromDefaults.RequestTimeout).ShouldBe((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));
        (fromOwnTimeout.ConnectionTimeout, fromOwnTimeout.RequestTimeout).ShouldBe((TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)));
        (fromOwnFields.ConnectionTimeout, fromOwnFields.RequestTimeout).ShouldBe((TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Assemble_TakesTheRestartPolicyFromDefaultsUnlessTheServerSetsIt()
    {
        var defaults = Assembler().AssembleDefaults(Entry().RestartOnExit(true).MaxRestarts(9).RestartDelay(500).Raw);

        var settings = AssembleValid(Entry().Command("node").MaxRestarts(1), defaults);

        settings.Stdio().RestartOnExit.ShouldBeTrue();
        settings.Stdio().MaxRestarts.ShouldBe(1);
        settings.Stdio().RestartDelay.ShouldBe(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void AssembleDefaults_WhenAVariableIsMissing_ReportsAnErrorEvenThoughServersMayBeDisabled()
    {
        Assembler().AssembleDefaults(Entry().Env("TOKEN", "${TOKEN}").Raw);

        var error = _diagnostics.Errors.ShouldHaveSingleItem();
        error.Path.ShouldBe("$.mcpServers.s.env.TOKEN");
    }

    // ---- the name ---------------------------------------------------------------------------------

    [Fact]
    public void Assemble_WhenTheNameWasRejected_StillChecksTheEntryButReturnsNothing()
    {
        var settings = Assembler().Assemble(null, Entry().Type("sse").Raw, EntryPath, ServerDefaults.None);

        settings.ShouldBeNull();
        _diagnostics.Errors.ShouldHaveSingleItem().Message.ShouldBe("A server of type sse needs 'url'.");
    }

    /// <summary>Builds a <see cref="RawServerEntry"/> as the reader would: each field present at its path.</summary>
    private sealed class EntryBuilder
    {
        public RawServerEntry Raw { get; } = new();

        public EntryBuilder Type(string value) => Set("type", p => Raw.Type = new Located<string>(value, p));

        public EntryBuilder Command(string value) => Set("command", p => Raw.Command = new Located<string>(value, p));

        public EntryBuilder Url(string value) => Set("url", p => Raw.Url = new Located<string>(value, p));

        public EntryBuilder Cwd(string value) => Set("cwd", p => Raw.Cwd = new Located<string>(value, p));

        public EntryBuilder Args(params string[] values) =>
            Set("args", p => Raw.Args = [.. values.Select((v, i) => new Located<string>(v, JsonPath.Index(p, i)))]);

        public EntryBuilder Env(string key, string value) =>
            Set("env", p => (Raw.Env ??= []).Add(new RawEnvEntry(key, value, JsonPath.Property(p, key), Substitute: true)));

        public EntryBuilder Header(string name, string value) =>
            Set("headers", p => (Raw.Headers ??= []).Add((name, new Located<string>(value, JsonPath.Property(p, name)))));

        public EntryBuilder OAuth(string? clientId = null, string? clientSecret = null, string[]? scopes = null, string? redirectUrl = null) =>
            Set("oauth", p => Raw.OAuth = new RawOAuth
            {
                ClientId = clientId is null ? null : new Located<string>(clientId, JsonPath.Property(p, "clientId")),
                ClientSecret = clientSecret is null ? null : new Located<string>(clientSecret, JsonPath.Property(p, "clientSecret")),
                Scopes = scopes?.Select((s, i) => new Located<string>(s, JsonPath.Index(JsonPath.Property(p, "scopes"), i))).ToList(),
                RedirectUrl = redirectUrl is null ? null : new Located<string>(redirectUrl, JsonPath.Property(p, "redirectUrl")),
            });

        public EntryBuilder Tags(params string[] tags) => Set("tags", _ => Raw.Tags = [.. tags.Select(Tag.From)]);

        public EntryBuilder Disabled() => Set("disabled", _ => Raw.Disabled = true);

        public EntryBuilder RestartOnExit(bool value) => Set("restartOnExit", _ => Raw.RestartOnExit = value);

        public EntryBuilder MaxRestarts(int value) => Set("maxRestarts", _ => Raw.MaxRestarts = value);

        public EntryBuilder RestartDelay(long ms) => Set("restartDelay", _ => Raw.RestartDelay = ms);

        public EntryBuilder ConnectionTimeout(long ms) => Set("connectionTimeout", _ => Raw.ConnectionTimeout = ms);

        public EntryBuilder RequestTimeout(long ms) => Set("requestTimeout", _ => Raw.RequestTimeout = ms);

        public EntryBuilder Timeout(long ms) => Set("timeout", _ => Raw.Timeout = ms);

        /// <summary>A field that was present but had the wrong JSON type (the reader reported it and kept no value).</summary>
        public EntryBuilder PresentOnly(string field) => Set(field, _ => { });

        private EntryBuilder Set(string field, Action<string> assign)
        {
            var path = JsonPath.Property(EntryPath, field);
            Raw.PresentPaths[field] = path;
            assign(path);
            return this;
        }
    }
}
