using System.Text;
using OneMcp.Infrastructure.Configuration;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Configuration;

public sealed class McpConfigFileTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task LoadAsync_WhenFileIsValid_ReturnsItsServers()
    {
        _directory.WriteServer("web");

        var result = await new McpConfigFile(_ => null).LoadAsync(_directory.FilePath, CancellationToken.None);

        result.IsValid.ShouldBeTrue();
        result.Backends.ShouldHaveSingleItem().Name.Value.ShouldBe("web");
    }

    [Fact]
    public async Task LoadAsync_WhenFileHasByteOrderMark_ParsesIt()
    {
        await File.WriteAllTextAsync(_directory.FilePath, TempConfigDirectory.ConfigWithServer("bom"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var result = await new McpConfigFile(_ => null).LoadAsync(_directory.FilePath, CancellationToken.None);

        result.Backends.ShouldHaveSingleItem().Name.Value.ShouldBe("bom");
    }

    [Fact]
    public async Task LoadAsync_WhenEnvironmentIsGiven_SubstitutesFromIt()
    {
        _directory.Write("""{ "mcpServers": { "s": { "command": "${TOOL}" } } }""");

        var result = await new McpConfigFile(name => name == "TOOL" ? "/bin/tool" : null).LoadAsync(_directory.FilePath, CancellationToken.None);

        result.Backends.ShouldHaveSingleItem().Stdio().Command.ShouldBe("/bin/tool");
    }

    [Fact]
    public async Task LoadAsync_WhenFileIsMissing_ReturnsErrorAtRoot()
    {
        var result = await new McpConfigFile().LoadAsync(Path.Combine(_directory.Directory, "absent.json"), CancellationToken.None);

        var error = result.Errors.ShouldHaveSingleItem();
        error.Path.ShouldBe("$");
        error.Message.ShouldContain("does not exist");
    }

    [Fact]
    public async Task LoadAsync_WhenDirectoryIsMissing_ReturnsErrorAtRoot()
    {
        var result = await new McpConfigFile().LoadAsync(Path.Combine(_directory.Directory, "nope", "mcp.json"), CancellationToken.None);

        result.Errors.ShouldHaveSingleItem().Path.ShouldBe("$");
    }

    [Fact]
    public async Task LoadAsync_WhenJsonIsInvalid_ReturnsErrorWithLine()
    {
        _directory.Write("{\n  \"mcpServers\": {\n    \"s\": { \"command\": \"run\" \n");

        var result = await new McpConfigFile(_ => null).LoadAsync(_directory.FilePath, CancellationToken.None);

        var error = result.Errors.ShouldHaveSingleItem();
        error.Path.ShouldBe("$");
        error.Message.ShouldStartWith("Invalid JSON at line ");
    }

    [Fact]
    public async Task LoadAsync_WhenFileIsTooLarge_ReturnsErrorWithoutParsing()
    {
        await using (var stream = File.Create(_directory.FilePath))
        {
            stream.SetLength(McpConfigFile.MaxFileBytes + 1);
        }

        var result = await new McpConfigFile(_ => null).LoadAsync(_directory.FilePath, CancellationToken.None);

        result.Errors.ShouldHaveSingleItem().Message.ShouldContain("larger than");
    }
}
