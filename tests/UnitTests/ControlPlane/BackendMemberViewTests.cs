using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.ControlPlane;

/// <summary>What a member is shown of a backend: what it is and how it is doing, never how it is started.</summary>
public sealed class BackendMemberViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    [Fact]
    public void ForMember_OfAStdioBackend_KeepsNameTypeTagsAndStatusAndDropsTheCommandLine()
    {
        var view = Stdio(lastError: null).ForMember();

        view.Name.ShouldBe("files");
        view.Type.ShouldBe("stdio");
        view.Tags.ShouldBe(["dev"]);
        view.Runtime.Status.ShouldBe(BackendStatus.Error);
        view.Command.ShouldBeNull();
        view.Args.ShouldBeEmpty();
        view.Cwd.ShouldBeNull();
        view.Env.ShouldBeEmpty();
        view.Headers.ShouldBeEmpty();
        view.InstructionOverride.ShouldBeNull();
        view.ToolDescriptionOverrides.ShouldBeEmpty();
    }

    [Fact]
    public void ForMember_WhenTheErrorNamesTheWorkingFolderOrAnArgument_CutsThemOut()
    {
        var view = Stdio("Cannot start '/opt/tools/files-server --api-key=k-123' in '/srv/private/files': not found").ForMember();

        view.Runtime.LastError.ShouldNotBeNull();
        view.Runtime.LastError.ShouldNotContain("k-123");
        view.Runtime.LastError.ShouldNotContain("/srv/private/files");
        view.Runtime.LastError.ShouldNotContain("/opt/tools/files-server");
        view.Runtime.LastError.ShouldContain("not found");
    }

    [Fact]
    public void ForMember_OfAnHttpBackend_KeepsTheUrlWithoutItsQuery()
    {
        var view = Http("https://mcp.example.com/v1/mcp?token=t-456", "Connection refused (https://mcp.example.com/v1/mcp?token=t-456)").ForMember();

        view.Url.ShouldBe("https://mcp.example.com/v1/mcp");
        view.Runtime.LastError.ShouldNotBeNull().ShouldNotContain("t-456");
    }

    [Fact]
    public void From_OfAPerUserBackend_ShowsTheModeAndTheSecretNamesToMembersButNoValue()
    {
        var settings = new StdioBackendSettings
        {
            Name = ServerName.From("files"),
            Command = "node",
            Environment = new Dictionary<string, string> { ["API_KEY"] = "${user:API_KEY}", ["TEAM"] = "${user:TEAM} fixed" },
            Credentials = BackendCredentialMode.PerUser,
            IdleTimeout = TimeSpan.FromMinutes(2),
            MaxInstances = 4,
        };

        var view = BackendView.From(BackendService.Register(settings, BackendOrigin.Api, T0), new TestDoubles.FakePool());
        var member = view.ForMember();

        view.Credentials.ShouldBe("perUser");
        view.IdleTimeoutMinutes.ShouldBe(2);
        view.MaxInstances.ShouldBe(4);
        view.Approval.ShouldBeNull();
        member.UserSecrets.ShouldBe(["API_KEY", "TEAM"]);
        view.Env.Values.ShouldAllBe(v => v == BackendView.Redacted);
    }

    [Fact]
    public void From_OfAnHttpBackendWithOAuthSettings_ShowsThemToAdminsWithoutTheSecretAndNotToMembers()
    {
        var settings = new StreamableHttpBackendSettings
        {
            Name = ServerName.From("notion"),
            Url = new Uri("https://mcp.example.com/mcp"),
            OAuth = new BackendOAuthSettings("client-1", "s3cr3t-value", ["read", "write"], new Uri("https://gw.example.com/oauth/callback/notion")),
        };

        var view = BackendView.From(BackendService.Register(settings, BackendOrigin.Api, T0), new TestDoubles.FakePool());
        var json = System.Text.Json.JsonSerializer.Serialize(view, WebJson);

        view.OAuth.ShouldBe(new BackendOAuthSettingsView("client-1", ["read", "write"], "https://gw.example.com/oauth/callback/notion", ClientSecretSet: true), new OAuthViewComparer());
        json.ShouldContain("\"oauth\":{\"clientId\":\"client-1\"");
        json.ShouldNotContain("s3cr3t-value");
        view.ForMember().OAuth.ShouldBeNull();
    }

    [Fact]
    public async Task ForMember_WhenTheErrorQuotesAnEnvironmentOrHeaderValue_CutsItOutOfTheBackendListAndHealth()
    {
        var stdio = new StdioBackendSettings
        {
            Name = ServerName.From("files"),
            Command = "node",
            Environment = new Dictionary<string, string> { ["API_KEY"] = "sk-live-5f0c1e9a" },
        };
        var http = new StreamableHttpBackendSettings
        {
            Name = ServerName.From("remote"),
            Url = new Uri("https://mcp.example.com/mcp"),
            Headers = new Dictionary<string, string> { ["X-Api-Key"] = "hdr-7d2b9e" },
        };
        var pool = new TestDoubles.FakePool(
            new TestDoubles.FakeBackend(stdio, status: BackendStatus.Error) { State = new BackendState(BackendStatus.Error, "invalid API key sk-live-5f0c1e9a", null, 0) },
            new TestDoubles.FakeBackend(http, status: BackendStatus.Error) { State = new BackendState(BackendStatus.Error, "401: key hdr-7d2b9e refused", null, 0) });

        var files = BackendView.From(BackendService.Register(stdio, BackendOrigin.Api, T0), pool);
        var remote = BackendView.From(BackendService.Register(http, BackendOrigin.Api, T0), pool);
        var health = await new Application.Health.Queries.GetHealthHandler(pool, TimeProvider.System)
            .Handle(new Application.Health.Queries.GetHealthQuery { ForMember = true }, CancellationToken.None);

        files.ForMember().Runtime.LastError.ShouldBe("invalid API key ********");
        remote.ForMember().Runtime.LastError.ShouldBe("401: key ******** refused");
        health.Backends.Select(b => b.Error).ShouldBe(["invalid API key ********", "401: key ******** refused"], ignoreOrder: true);
        files.Runtime.LastError.ShouldBe("invalid API key sk-live-5f0c1e9a");
    }

    private sealed class OAuthViewComparer : IEqualityComparer<BackendOAuthSettingsView?>
    {
        public bool Equals(BackendOAuthSettingsView? x, BackendOAuthSettingsView? y) =>
            x is not null && y is not null && x.ClientId == y.ClientId && x.Scopes.SequenceEqual(y.Scopes) && x.RedirectUrl == y.RedirectUrl
            && x.ClientSecretSet == y.ClientSecretSet;

        public int GetHashCode(BackendOAuthSettingsView? obj) => 0;
    }

    private static BackendView Stdio(string? lastError) => new()
    {
        Name = "files",
        Origin = BackendOrigin.Api,
        Enabled = true,
        Version = 1,
        CreatedAt = T0,
        UpdatedAt = T0,
        Type = "stdio",
        Command = "/opt/tools/files-server",
        Args = ["--api-key=k-123", "--verbose"],
        Cwd = "/srv/private/files",
        Env = new Dictionary<string, string> { ["TOKEN"] = BackendView.Redacted },
        Tags = ["dev"],
        InstructionOverride = "internal notes",
        ToolDescriptionOverrides = new Dictionary<string, string> { ["read"] = "internal" },
        Runtime = new BackendRuntimeView(BackendStatus.Error, lastError, null, 0, 0),
    };

    private static BackendView Http(string url, string lastError) => new()
    {
        Name = "remote",
        Origin = BackendOrigin.Config,
        Enabled = true,
        Version = 1,
        CreatedAt = T0,
        UpdatedAt = T0,
        Type = "http",
        Url = url,
        Headers = new Dictionary<string, string> { ["Authorization"] = BackendView.Redacted },
        Runtime = new BackendRuntimeView(BackendStatus.Error, lastError, null, 0, 0),
    };
}
