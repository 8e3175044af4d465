using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Domain;

public sealed class BackendSettingsTests
{
    private static StdioBackendSettings StdioBaseline() => new()
    {
        Name = ServerName.From("svc"),
        Command = "node",
        Args = ["server.js", "--port", "1"],
        WorkingDirectory = "/srv",
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "2" },
        RestartOnExit = true,
        MaxRestarts = 3,
        RestartDelay = TimeSpan.FromSeconds(2),
        ConnectionTimeout = TimeSpan.FromSeconds(10),
        RequestTimeout = TimeSpan.FromSeconds(20),
        Tags = [Tag.From("web"), Tag.From("db")],
        Disabled = false,
        DisabledTools = new HashSet<string>(["drop"], StringComparer.Ordinal),
        ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) { ["query"] = "Read-only SQL." },
        InstructionOverride = "Be careful.",
    };

    private static StreamableHttpBackendSettings HttpBaseline() => new()
    {
        Name = ServerName.From("svc"),
        Url = new Uri("https://svc.example.test/mcp"),
        Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Authorization"] = "Bearer x" },
        OAuth = new BackendOAuthSettings("client", "s3cr3t-value", ["read", "write"], new Uri("https://gw.example.test/cb")),
        ConnectionTimeout = TimeSpan.FromSeconds(10),
        RequestTimeout = TimeSpan.FromSeconds(20),
        Tags = [Tag.From("web"), Tag.From("db")],
        Disabled = false,
        DisabledTools = new HashSet<string>(["drop"], StringComparer.Ordinal),
        ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) { ["query"] = "Read-only SQL." },
        InstructionOverride = "Be careful.",
    };

    private static readonly HashSet<string> StdioFields =
        new(["Transport:stdio", "Command", "Args", "WorkingDirectory", "Environment", "RestartOnExit", "MaxRestarts", "RestartDelay"], StringComparer.Ordinal);

    /// <summary>The settings a field's change is tried on: stdio for the stdio fields, streamable HTTP for the others.</summary>
    private static BackendSettings Baseline(string field) =>
        StdioFields.Contains(field) || StdioFields.Contains(field.Split(':')[0]) ? StdioBaseline() : HttpBaseline();

    private static SseBackendSettings AsSse(HttpBackendSettings s) => new()
    {
        Name = s.Name, Url = s.Url, Headers = s.Headers, OAuth = s.OAuth, ConnectionTimeout = s.ConnectionTimeout, RequestTimeout = s.RequestTimeout,
        Tags = s.Tags, Disabled = s.Disabled, DisabledTools = s.DisabledTools, ToolDescriptionOverrides = s.ToolDescriptionOverrides,
        InstructionOverride = s.InstructionOverride,
    };

    private static StreamableHttpBackendSettings AsHttp(StdioBackendSettings s) => new()
    {
        Name = s.Name, Url = new Uri("https://svc.example.test/mcp"), ConnectionTimeout = s.ConnectionTimeout, RequestTimeout = s.RequestTimeout,
        Tags = s.Tags, Disabled = s.Disabled, DisabledTools = s.DisabledTools, ToolDescriptionOverrides = s.ToolDescriptionOverrides,
        InstructionOverride = s.InstructionOverride,
    };

    private static BackendSettings Change(BackendSettings settings, string field) => (settings, field) switch
    {
        (HttpBackendSettings s, "Transport") => AsSse(s),
        (StdioBackendSettings s, "Transport:stdio") => AsHttp(s),
        (StdioBackendSettings s, "Command") => s with { Command = "python" },
        (StdioBackendSettings s, "Args") => s with { Args = ["server.js", "--port", "2"] },
        (StdioBackendSettings s, "Args:order") => s with { Args = ["--port", "1", "server.js"] },
        (StdioBackendSettings s, "Args:extra") => s with { Args = ["server.js", "--port", "1", "-v"] },
        (StdioBackendSettings s, "WorkingDirectory") => s with { WorkingDirectory = "/srv/other" },
        (StdioBackendSettings s, "Environment:value") => s with { Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "3" } },
        (StdioBackendSettings s, "Environment:key") => s with { Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["C"] = "2" } },
        (StdioBackendSettings s, "Environment:extra") => s with { Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "2", ["C"] = "3" } },
        (StdioBackendSettings s, "RestartOnExit") => s with { RestartOnExit = false },
        (StdioBackendSettings s, "MaxRestarts") => s with { MaxRestarts = 0 },
        (StdioBackendSettings s, "RestartDelay") => s with { RestartDelay = TimeSpan.FromSeconds(3) },
        (HttpBackendSettings s, "Url") => s with { Url = new Uri("https://svc.example.test/mcp2") },
        (HttpBackendSettings s, "Url:query") => s with { Url = new Uri("https://svc.example.test/mcp?key=2") },
        (HttpBackendSettings s, "Url:credentials") => s with { Url = new Uri("https://user:pw@svc.example.test/mcp") },
        (HttpBackendSettings s, "Headers:value") => s with { Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Authorization"] = "Bearer y" } },
        (HttpBackendSettings s, "Headers:removed") => s with { Headers = new Dictionary<string, string>(StringComparer.Ordinal) },
        (HttpBackendSettings s, "OAuth:clientId") => s with { OAuth = s.OAuth! with { ClientId = "other" } },
        (HttpBackendSettings s, "OAuth:secret") => s with { OAuth = s.OAuth! with { ClientSecret = "rotated" } },
        (HttpBackendSettings s, "OAuth:scopes") => s with { OAuth = s.OAuth! with { Scopes = ["read"] } },
        (HttpBackendSettings s, "OAuth:redirect") => s with { OAuth = s.OAuth! with { RedirectUrl = new Uri("https://gw.example.test/other") } },
        (HttpBackendSettings s, "OAuth:null") => s with { OAuth = null },
        (var s, "ConnectionTimeout") => s with { ConnectionTimeout = TimeSpan.FromSeconds(11) },
        (var s, "RequestTimeout") => s with { RequestTimeout = TimeSpan.FromSeconds(21) },
        (var s, "Tags") => s with { Tags = [Tag.From("web")] },
        (var s, "Tags:added") => s with { Tags = [Tag.From("web"), Tag.From("db"), Tag.From("ops")] },
        (var s, "Disabled") => s with { Disabled = true },
        (var s, "DisabledTools") => s with { DisabledTools = new HashSet<string>(["drop", "truncate"], StringComparer.Ordinal) },
        (var s, "DisabledTools:none") => s with { DisabledTools = new HashSet<string>(StringComparer.Ordinal) },
        (var s, "ToolDescriptionOverrides") => s with { ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) { ["query"] = "SQL." } },
        (var s, "ToolDescriptionOverrides:none") => s with { ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) },
        (var s, "InstructionOverride") => s with { InstructionOverride = "Be bold." },
        (var s, "InstructionOverride:empty") => s with { InstructionOverride = "" },
        (var s, "InstructionOverride:null") => s with { InstructionOverride = null },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "unknown field"),
    };

    [Theory]
    [InlineData("Transport", true, false)]
    [InlineData("Command", true, false)]
    [InlineData("Transport:stdio", true, false)]
    [InlineData("Args", true, false)]
    [InlineData("Args:order", true, false)]
    [InlineData("Args:extra", true, false)]
    [InlineData("WorkingDirectory", true, false)]
    [InlineData("Environment:value", true, false)]
    [InlineData("Environment:key", true, false)]
    [InlineData("Environment:extra", true, false)]
    [InlineData("RestartOnExit", true, false)]
    [InlineData("MaxRestarts", true, false)]
    [InlineData("RestartDelay", true, false)]
    [InlineData("Url", true, false)]
    [InlineData("Url:query", true, false)]
    [InlineData("Url:credentials", true, false)]
    [InlineData("Headers:value", true, false)]
    [InlineData("Headers:removed", true, false)]
    [InlineData("OAuth:clientId", true, false)]
    [InlineData("OAuth:secret", true, false)]
    [InlineData("OAuth:scopes", true, false)]
    [InlineData("OAuth:redirect", true, false)]
    [InlineData("OAuth:null", true, false)]
    [InlineData("ConnectionTimeout", true, false)]
    [InlineData("RequestTimeout", true, false)]
    [InlineData("Tags", false, true)]
    [InlineData("Tags:added", false, true)]
    [InlineData("Disabled", false, true)]
    [InlineData("DisabledTools", false, true)]
    [InlineData("DisabledTools:none", false, true)]
    [InlineData("ToolDescriptionOverrides", false, true)]
    [InlineData("ToolDescriptionOverrides:none", false, true)]
    [InlineData("InstructionOverride", false, true)]
    [InlineData("InstructionOverride:empty", false, true)]
    [InlineData("InstructionOverride:null", false, true)]
    public void Compare_WhenOneFieldChanges_ClassifiesItAsConnectionOrMetadata(string field, bool reconnect, bool metadata)
    {
        var before = Baseline(field);
        var after = Change(before, field);

        before.RequiresReconnectComparedTo(after).ShouldBe(reconnect);
        after.RequiresReconnectComparedTo(before).ShouldBe(reconnect);
        before.MetadataDiffersFrom(after).ShouldBe(metadata);
        after.MetadataDiffersFrom(before).ShouldBe(metadata);
    }

    [Fact]
    public void Compare_WhenRebuiltWithEqualContentInFreshCollections_ReportsNoDifference()
    {
        var stdio = StdioBaseline();
        var stdioAgain = StdioBaseline() with
        {
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["B"] = "2", ["A"] = "1" },
            DisabledTools = new HashSet<string>(["drop"], StringComparer.Ordinal),
        };
        var http = HttpBaseline();
        var httpAgain = HttpBaseline() with
        {
            DisabledTools = new HashSet<string>(["drop"], StringComparer.Ordinal),
            OAuth = new BackendOAuthSettings("client", "s3cr3t-value", ["read", "write"], new Uri("https://gw.example.test/cb")),
        };

        foreach (var (before, after) in new (BackendSettings, BackendSettings)[] { (stdio, stdioAgain), (http, httpAgain) })
        {
            after.ShouldNotBeSameAs(before);
            before.RequiresReconnectComparedTo(after).ShouldBeFalse();
            before.MetadataDiffersFrom(after).ShouldBeFalse();
        }
    }

    [Fact]
    public void Compare_WhenSameInstance_ReportsNoDifference()
    {
        foreach (var settings in new BackendSettings[] { StdioBaseline(), HttpBaseline() })
        {
            settings.RequiresReconnectComparedTo(settings).ShouldBeFalse();
            settings.MetadataDiffersFrom(settings).ShouldBeFalse();
        }
    }

    [Fact]
    public void Compare_WhenBothHaveNoOAuth_DoesNotRequireReconnect()
    {
        var before = HttpBaseline() with { OAuth = null };

        before.RequiresReconnectComparedTo(before with { }).ShouldBeFalse();
    }

    [Fact]
    public void Defaults_WhenNotSet_UseTheDocumentedValues()
    {
        var settings = new StdioBackendSettings { Name = ServerName.From("a"), Command = "node" };
        var http = new StreamableHttpBackendSettings { Name = ServerName.From("a"), Url = new Uri("https://a.example.test/mcp") };

        http.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        http.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(60));
        http.Headers.ShouldBeEmpty();
        http.OAuth.ShouldBeNull();

        settings.ConnectionTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        settings.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(60));
        settings.RestartDelay.ShouldBe(TimeSpan.FromSeconds(1));
        settings.MaxRestarts.ShouldBe(5);
        settings.RestartOnExit.ShouldBeFalse();
        settings.Tags.ShouldBeEmpty();
        settings.DisabledTools.ShouldBeEmpty();
        settings.InstructionOverride.ShouldBeNull();
    }

    [Fact]
    public void OAuthToString_WhenSecretSet_NeverContainsIt()
    {
        var oauth = new BackendOAuthSettings("client-id", "s3cr3t-value", ["read", "write"], new Uri("https://gw.example.test/cb"));

        var text = oauth.ToString();

        text.ShouldNotContain("s3cr3t-value");
        text.ShouldContain("client-id");
        text.ShouldContain("read write");
    }

    [Fact]
    public void SettingsToString_WhenOAuthSecretSet_NeverContainsIt()
    {
        HttpBaseline().ToString().ShouldNotContain("s3cr3t-value");
        (HttpBaseline() with { Url = new Uri("https://user:pw@svc.example.test/mcp?token=t0k") }).ToString().ShouldNotContain("t0k");
        StdioBaseline().ToString().ShouldBe("BackendSettings { Name = svc, Transport = Stdio }");
    }

    [Fact]
    public void OAuthEquals_WhenOnlyTheSecretDiffers_IsNotEqual()
    {
        var a = new BackendOAuthSettings("c", "one", ["s"], null);
        var b = a with { ClientSecret = "two" };

        a.ShouldNotBe(b);
        a.ShouldBe(a with { Scopes = ["s"] });
        a.GetHashCode().ShouldBe((a with { Scopes = ["s"] }).GetHashCode());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Stdio_WhenCommandIsBlank_CannotBeBuilt(string? command)
    {
        Should.Throw<ArgumentException>(() => new StdioBackendSettings { Name = ServerName.From("a"), Command = command! });
    }

    [Fact]
    public void Stdio_WhenMaxRestartsIsNegative_CannotBeBuilt()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => StdioBaseline() with { MaxRestarts = -1 });
    }

    [Fact]
    public void Http_WhenUrlIsNull_CannotBeBuilt()
    {
        Should.Throw<ArgumentNullException>(() => new SseBackendSettings { Name = ServerName.From("a"), Url = null! });
    }

    [Theory]
    [InlineData(BackendTransport.Stdio)]
    [InlineData(BackendTransport.StreamableHttp)]
    [InlineData(BackendTransport.Sse)]
    public void Transport_IsTheTypeOfTheSettings(BackendTransport transport)
    {
        BackendSettings settings = transport switch
        {
            BackendTransport.Stdio => StdioBaseline(),
            BackendTransport.Sse => AsSse(HttpBaseline()),
            _ => HttpBaseline(),
        };

        settings.Transport.ShouldBe(transport);
    }

    // Regression: a URL change in the user-info part is neither a reconnect nor a metadata change.
    [Fact]
    public void RequiresReconnectComparedTo_WhenUrlCredentialsChange_IsTrue()
    {
        var before = new StreamableHttpBackendSettings { Name = ServerName.From("a"), Url = new Uri("https://user:old@svc.example.test/mcp") };
        var after = before with { Url = new Uri("https://user:new@svc.example.test/mcp") };

        (before.RequiresReconnectComparedTo(after) || before.MetadataDiffersFrom(after)).ShouldBeTrue();
    }
}
