using OneMcp.Application.Backends;
using OneMcp.Application.Backends.Commands;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Configuration;

/// <summary>The REST definition path: the same assembler as mcp.json, read from typed fields without a JSON round trip.</summary>
public sealed class BackendDefinitionAssemblerTests
{
    private readonly BackendDefinitionAssembler _assembler = new();

    [Fact]
    public void Assemble_WhenAHttpDefinitionIsValid_BuildsTheSettings()
    {
        var result = _assembler.Assemble("web", new RegisterBackendCommand
        {
            Url = "https://svc.example.test/mcp",
            Headers = new Dictionary<string, string> { ["X-Team"] = "platform" },
            Tags = ["web", "web"],
            ConnectionTimeout = 1_500,
            OAuth = new BackendOAuthDefinition { ClientId = "gw", Scopes = ["read"] },
        });

        result.IsValid.ShouldBeTrue(string.Join("; ", result.Errors));
        var settings = result.Settings!;
        settings.Name.ShouldBe(ServerName.From("web"));
        settings.Transport.ShouldBe(BackendTransport.StreamableHttp);
        settings.Http().Url.ShouldBe(new Uri("https://svc.example.test/mcp"));
        settings.Http().Headers["x-team"].ShouldBe("platform");
        settings.Tags.ShouldBe([Tag.From("web")]);
        settings.ConnectionTimeout.ShouldBe(TimeSpan.FromMilliseconds(1_500));
        settings.Http().OAuth.ShouldBe(new BackendOAuthSettings("gw", null, ["read"], null));
    }

    [Fact]
    public void Assemble_WhenAFieldHasNoEffectOnTheTransport_ReportsItAsAnErrorNamingTheField()
    {
        var result = _assembler.Assemble("web", new RegisterBackendCommand { Url = "https://svc.example.test/mcp", Args = ["x"] });

        result.Settings.ShouldBeNull();
        result.Errors.ShouldBe([new BackendDefinitionError("args", "'args' has no effect on a server of type http; it is ignored.")]);
    }

    [Fact]
    public void Assemble_WhenEmptyCollectionsAreSent_TreatsThemAsNotSet()
    {
        var result = _assembler.Assemble("web", new RegisterBackendCommand
        {
            Url = "https://svc.example.test/mcp",
            Args = [],
            Env = new Dictionary<string, string>(),
        });

        result.IsValid.ShouldBeTrue(string.Join("; ", result.Errors));
    }

    [Fact]
    public void Assemble_WhenTheWholeEntryIsWrong_ReportsTheDefinition()
    {
        var result = _assembler.Assemble("both", new RegisterBackendCommand { Command = "node", Url = "https://svc.example.test/mcp" });

        result.Errors.ShouldBe([new BackendDefinitionError("definition", "A server cannot have both 'command' and 'url'; set 'type' to say which transport it uses.")]);
    }

    [Fact]
    public void Assemble_WhenValuesBreakTheFieldRules_ReportsEachAtItsField()
    {
        var result = _assembler.Assemble("files", new RegisterBackendCommand
        {
            Command = "node",
            Args = ["ok", null!],
            Env = new Dictionary<string, string> { ["BAD KEY"] = "v" },
            ToolDescriptionOverrides = new Dictionary<string, string> { ["read"] = " " },
            RequestTimeout = 0,
            MaxRestarts = -1,
        });

        result.Settings.ShouldBeNull();
        result.Errors.ShouldBe(
        [
            new BackendDefinitionError("args[1]", "Expected a string, got null."),
            new BackendDefinitionError("env['BAD KEY']", "'BAD KEY' is not a valid environment variable name."),
            new BackendDefinitionError("toolDescriptionOverrides.read", "A description override must not be blank; use 'disabledTools' to hide a tool."),
            new BackendDefinitionError("requestTimeout", "Must be a positive number of milliseconds."),
            new BackendDefinitionError("maxRestarts", "Must not be negative (0 means unlimited)."),
        ]);
    }

    [Fact]
    public void Assemble_WhenAPerUserStdioDefinitionIsValid_BuildsTheSettingsWithTheReferenceKept()
    {
        var result = _assembler.Assemble("files", new RegisterBackendCommand
        {
            Command = "node",
            Env = new Dictionary<string, string> { ["API_KEY"] = "${user:API_KEY}" },
            Credentials = "perUser",
            IdleTimeoutMinutes = 0.02,
            MaxInstances = 2,
        });

        result.IsValid.ShouldBeTrue(string.Join("; ", result.Errors));
        var settings = result.Settings!;
        settings.IsPerUser.ShouldBeTrue();
        settings.Stdio().Environment["API_KEY"].ShouldBe("${user:API_KEY}");
        settings.Stdio().IdleTimeout.ShouldBe(TimeSpan.FromMinutes(0.02));
        settings.Stdio().MaxInstances.ShouldBe(2);
    }

    [Fact]
    public void Assemble_WhenPerUserValuesBreakTheRules_ReportsEachAtItsField()
    {
        var result = _assembler.Assemble("web", new RegisterBackendCommand
        {
            Url = "https://svc.example.test/mcp",
            Headers = new Dictionary<string, string> { ["X-Key"] = "${user:KEY}" },
            Credentials = "everyone",
            Approval = "maybe",
        });

        result.Settings.ShouldBeNull();
        result.Errors.Select(e => e.Field).ShouldBe(["credentials", "headers.X-Key", "approval"], ignoreOrder: true);
        result.Errors.Single(e => e.Field == "headers.X-Key").Message.ShouldContain("may reference one");
    }

    [Fact]
    public void Assemble_WhenIdleTimeoutOrMaxInstancesAreOutOfRange_ReportsThem()
    {
        var result = _assembler.Assemble("files", new RegisterBackendCommand
        {
            Command = "node", Credentials = "perUser", IdleTimeoutMinutes = 0, MaxInstances = 0,
        });

        result.Errors.ShouldBe(
        [
            new BackendDefinitionError("idleTimeoutMinutes", "Must be a positive number of minutes."),
            new BackendDefinitionError("maxInstances", "Must be a whole number of at least 1."),
        ]);
    }

    [Fact]
    public void Assemble_WhenIdleTimeoutIsUnderASecond_ReportsIt()
    {
        var result = _assembler.Assemble("files", new RegisterBackendCommand { Command = "node", Credentials = "perUser", IdleTimeoutMinutes = 1e-9 });

        result.Errors.ShouldBe([new BackendDefinitionError("idleTimeoutMinutes", "Must be at least one second (0.0167 minutes).")]);
    }

    [Fact]
    public void Assemble_WhenAHeaderValueHasALineBreak_ReportsItAtItsFieldWithoutTheValue()
    {
        var result = _assembler.Assemble("web", new RegisterBackendCommand
        {
            Url = "https://svc.example.test/mcp",
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer s3cret-value\n" },
        });

        result.Settings.ShouldBeNull();
        var error = result.Errors.ShouldHaveSingleItem();
        error.Field.ShouldBe("headers.Authorization");
        error.Message.ShouldNotContain("s3cret");
    }

    [Fact]
    public void Assemble_WhenAnEnvValueHasANul_ReportsItAtItsField()
    {
        var result = _assembler.Assemble("files", new RegisterBackendCommand
        {
            Command = "node",
            Env = new Dictionary<string, string> { ["KEY"] = "a\0b" },
        });

        result.Errors.ShouldHaveSingleItem().Field.ShouldBe("env.KEY");
    }

    [Fact]
    public void Assemble_WhenApprovalIsSetOnAStdioDefinition_ReportsThatItHasNoEffect()
    {
        var result = _assembler.Assemble("files", new RegisterBackendCommand { Command = "node", Credentials = "perUser", Approval = "admin" });

        result.Errors.ShouldBe([new BackendDefinitionError("approval", "'approval' has no effect on a server of type stdio; it is ignored.")]);
    }
}
