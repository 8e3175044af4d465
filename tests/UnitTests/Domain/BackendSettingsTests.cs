using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Domain;

public sealed class BackendSettingsTests
{
    private static BackendSettings Baseline() => new()
    {
        Name = ServerName.From("svc"),
        Transport = BackendTransport.StreamableHttp,
        Command = "node",
        Args = ["server.js", "--port", "1"],
        WorkingDirectory = "/srv",
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "2" },
        RestartOnExit = true,
        MaxRestarts = 3,
        RestartDelay = TimeSpan.FromSeconds(2),
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

    private static BackendSettings Change(BackendSettings s, string field) => field switch
    {
        "Transport" => s with { Transport = BackendTransport.Sse },
        "Command" => s with { Command = "python" },
        "Command:null" => s with { Command = null },
        "Args" => s with { Args = ["server.js", "--port", "2"] },
        "Args:order" => s with { Args = ["--port", "1", "server.js"] },
        "Args:extra" => s with { Args = ["server.js", "--port", "1", "-v"] },
        "WorkingDirectory" => s with { WorkingDirectory = "/srv/other" },
        "Environment:value" => s with { Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "3" } },
        "Environment:key" => s with { Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["C"] = "2" } },
        "Environment:extra" => s with { Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "2", ["C"] = "3" } },
        "RestartOnExit" => s with { RestartOnExit = false },
        "MaxRestarts" => s with { MaxRestarts = 0 },
        "RestartDelay" => s with { RestartDelay = TimeSpan.FromSeconds(3) },
        "Url" => s with { Url = new Uri("https://svc.example.test/mcp2") },
        "Url:query" => s with { Url = new Uri("https://svc.example.test/mcp?key=2") },
        "Url:null" => s with { Url = null },
        "Headers:value" => s with { Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Authorization"] = "Bearer y" } },
        "Headers:removed" => s with { Headers = new Dictionary<string, string>(StringComparer.Ordinal) },
        "OAuth:clientId" => s with { OAuth = s.OAuth! with { ClientId = "other" } },
        "OAuth:secret" => s with { OAuth = s.OAuth! with { ClientSecret = "rotated" } },
        "OAuth:scopes" => s with { OAuth = s.OAuth! with { Scopes = ["read"] } },
        "OAuth:redirect" => s with { OAuth = s.OAuth! with { RedirectUrl = new Uri("https://gw.example.test/other") } },
        "OAuth:null" => s with { OAuth = null },
        "ConnectionTimeout" => s with { ConnectionTimeout = TimeSpan.FromSeconds(11) },
        "RequestTimeout" => s with { RequestTimeout = TimeSpan.FromSeconds(21) },
        "Tags" => s with { Tags = [Tag.From("web")] },
        "Tags:added" => s with { Tags = [Tag.From("web"), Tag.From("db"), Tag.From("ops")] },
        "Disabled" => s with { Disabled = true },
        "DisabledTools" => s with { DisabledTools = new HashSet<string>(["drop", "truncate"], StringComparer.Ordinal) },
        "DisabledTools:none" => s with { DisabledTools = new HashSet<string>(StringComparer.Ordinal) },
        "ToolDescriptionOverrides" => s with { ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) { ["query"] = "SQL." } },
        "ToolDescriptionOverrides:none" => s with { ToolDescriptionOverrides = new Dictionary<string, string>(StringComparer.Ordinal) },
        "InstructionOverride" => s with { InstructionOverride = "Be bold." },
        "InstructionOverride:empty" => s with { InstructionOverride = "" },
        "InstructionOverride:null" => s with { InstructionOverride = null },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "unknown field"),
    };

    [Theory]
    [InlineData("Transport", true, false)]
    [InlineData("Command", true, false)]
    [InlineData("Command:null", true, false)]
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
    [InlineData("Url:null", true, false)]
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
        var before = Baseline();
        var after = Change(before, field);

        before.RequiresReconnectComparedTo(after).ShouldBe(reconnect);
        after.RequiresReconnectComparedTo(before).ShouldBe(reconnect);
        before.MetadataDiffersFrom(after).ShouldBe(metadata);
        after.MetadataDiffersFrom(before).ShouldBe(metadata);
    }

    [Fact]
    public void Compare_WhenRebuiltWithEqualContentInFreshCollections_ReportsNoDifference()
    {
        var before = Baseline();
        var after = Baseline() with
        {
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["B"] = "2", ["A"] = "1" },
            DisabledTools = new HashSet<string>(["drop"], StringComparer.Ordinal),
            OAuth = new BackendOAuthSettings("client", "s3cr3t-value", ["read", "write"], new Uri("https://gw.example.test/cb")),
        };

        after.ShouldNotBeSameAs(before);
        before.RequiresReconnectComparedTo(after).ShouldBeFalse();
        before.MetadataDiffersFrom(after).ShouldBeFalse();
    }

    [Fact]
    public void Compare_WhenSameInstance_ReportsNoDifference()
    {
        var settings = Baseline();

        settings.RequiresReconnectComparedTo(settings).ShouldBeFalse();
        settings.MetadataDiffersFrom(settings).ShouldBeFalse();
    }

    [Fact]
    public void Compare_WhenBothHaveNoOAuth_DoesNotRequireReconnect()
    {
        var before = Baseline() with { OAuth = null };

        before.RequiresReconnectComparedTo(before with { }).ShouldBeFalse();
    }

    [Fact]
    public void Defaults_WhenNotSet_UseTheDocumentedValues()
    {
        var settings = new BackendSettings { Name = ServerName.From("a"), Transport = BackendTransport.Stdio };

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
        Baseline().ToString().ShouldNotContain("s3cr3t-value");
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
}
