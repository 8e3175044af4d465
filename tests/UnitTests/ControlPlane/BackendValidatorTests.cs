using OneMcp.Application.Backends.Commands;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Configuration;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.ControlPlane;

public sealed class BackendValidatorTests
{
    private readonly RegisterBackendValidator _register = new(new BackendDefinitionAssembler());

    [Fact]
    public async Task Validate_WhenAStdioDefinitionIsComplete_Passes()
    {
        var result = await _register.ValidateAsync(new RegisterBackendCommand { Name = "files", Command = "node", Args = ["server.js"], Tags = ["fs"] });

        result.IsValid.ShouldBeTrue(string.Join("; ", result.Errors));
    }

    [Fact]
    public async Task Validate_WhenAnHttpBackendHasACommand_NamesTheCommandField()
    {
        var result = await _register.ValidateAsync(new RegisterBackendCommand { Name = "web", Type = "http", Url = "https://example.com/mcp", Command = "node" });

        var error = result.Errors.ShouldHaveSingleItem();
        error.PropertyName.ShouldBe("command");
        error.ErrorMessage.ShouldContain("'command' is not valid for a server of type http");
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("has space")]
    [InlineData("ends_1mcp")]
    public async Task Validate_WhenTheNameIsInvalid_ReportsTheNameOnly(string name)
    {
        var result = await _register.ValidateAsync(new RegisterBackendCommand { Name = name, Command = "node" });

        result.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("name");
    }

    [Fact]
    public async Task Validate_WhenNestedValuesAreInvalid_PointsAtEachOne()
    {
        var result = await _register.ValidateAsync(new RegisterBackendCommand
        {
            Name = "files",
            Command = "node",
            Tags = ["ok", "not ok"],
            Env = new Dictionary<string, string> { ["BAD=KEY"] = "x" },
            ConnectionTimeout = 0,
        });

        result.Errors.Select(e => e.PropertyName).ShouldBe(["tags[1]", "env['BAD=KEY']", "connectionTimeout"], ignoreOrder: true);
    }

    [Fact]
    public async Task Validate_WhenAFieldHasNoEffectOnTheTransport_RefusesIt()
    {
        var result = await _register.ValidateAsync(new RegisterBackendCommand { Name = "web", Url = "https://example.com/mcp", Cwd = "/tmp" });

        result.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("cwd");
    }

    [Fact]
    public async Task Validate_WhenNeitherCommandNorUrlIsGiven_ReportsTheWholeDefinition()
    {
        var result = await _register.ValidateAsync(new RegisterBackendCommand { Name = "empty" });

        result.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("definition");
    }

    [Fact]
    public void Parse_WhenAValueReferencesAVariable_KeepsItLiterally()
    {
        var command = new RegisterBackendCommand { Name = "files", Command = "node", Args = ["${HOME}", "$${x}"], Env = new Dictionary<string, string> { ["TOKEN"] = "${SECRET}" } };

        var result = new BackendDefinitionAssembler().Assemble("files", command);

        result.IsValid.ShouldBeTrue(string.Join("; ", result.Errors));
        result.Settings!.Stdio().Args.ShouldBe(["${HOME}", "$${x}"]);
        result.Settings!.Stdio().Environment["TOKEN"].ShouldBe("${SECRET}");
        result.Settings!.Transport.ShouldBe(BackendTransport.Stdio);
    }

    [Fact]
    public async Task Validate_WhenAnUpdateHasNoExpectedVersion_RequiresIt()
    {
        var validator = new UpdateBackendValidator(new BackendDefinitionAssembler());

        var result = await validator.ValidateAsync(new UpdateBackendCommand("files", new BackendEdit { Command = "node" }));

        result.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("expectedVersion");
    }
}
