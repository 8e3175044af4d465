using OneMcp.Application.Gateway;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Gateway;

public sealed class CapabilityNameTests
{
    [Theory]
    [InlineData("github", "create_issue", "github_1mcp_create_issue")]
    [InlineData("fs", "file:///tmp/a.txt", "fs_1mcp_file:///tmp/a.txt")]
    [InlineData("my-server.v2", "x", "my-server.v2_1mcp_x")]
    [InlineData("a", "tool_1mcp_inner", "a_1mcp_tool_1mcp_inner")]
    public void Compose_WhenValid_PrefixesNameWithServerAndSeparator(string server, string name, string expected)
    {
        CapabilityName.Compose(ServerName.From(server), name).ShouldBe(expected);
    }

    [Fact]
    public void Compose_WhenNameIsEmpty_Throws()
    {
        Should.Throw<ArgumentException>(() => CapabilityName.Compose(ServerName.From("a"), ""));
    }

    [Fact]
    public void Compose_WhenServerIsDefault_Throws()
    {
        Should.Throw<ArgumentException>(() => CapabilityName.Compose(default, "tool"));
    }

    [Theory]
    [InlineData("github_1mcp_create_issue", "github", "create_issue")]
    [InlineData("fs_1mcp_file:///tmp/a.txt", "fs", "file:///tmp/a.txt")]
    [InlineData("a_1mcp_tool_1mcp_inner", "a", "tool_1mcp_inner")]
    [InlineData("srv_1mcp__1mcp_", "srv", "_1mcp_")]
    [InlineData("my_server_1mcp_x", "my_server", "x")]
    [InlineData("s_1mcp_ ", "s", " ")]
    public void TryParse_WhenWellFormed_SplitsOnFirstSeparator(string prefixed, string server, string name)
    {
        CapabilityName.TryParse(prefixed, out var parsedServer, out var parsedName).ShouldBeTrue();
        parsedServer.ShouldBe(ServerName.From(server));
        parsedName.ShouldBe(name);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("create_issue")]
    [InlineData("github_1mcp")]
    [InlineData("github_1mcp_")]
    [InlineData("_1mcp_tool")]
    [InlineData("-bad_1mcp_tool")]
    [InlineData("bad server_1mcp_tool")]
    [InlineData("GITHUB_1MCP_tool")]
    public void TryParse_WhenMalformed_ReturnsFalse(string? prefixed)
    {
        CapabilityName.TryParse(prefixed, out var server, out var name).ShouldBeFalse();
        server.ShouldBe(default);
        name.ShouldBe(string.Empty);
    }

    [Fact]
    public void TryParse_WhenServerPartTooLong_ReturnsFalse()
    {
        var prefixed = new string('a', ServerName.MaxLength + 1) + "_1mcp_tool";

        CapabilityName.TryParse(prefixed, out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("github", "create_issue")]
    [InlineData("a.b-c_d", "tool_1mcp_x")]
    [InlineData("fs", "file:///C:/dir/file_1mcp_.txt")]
    public void TryParse_WhenComposed_RoundTrips(string server, string name)
    {
        var composed = CapabilityName.Compose(ServerName.From(server), name);

        CapabilityName.TryParse(composed, out var parsedServer, out var parsedName).ShouldBeTrue();
        parsedServer.Value.ShouldBe(server);
        parsedName.ShouldBe(name);
    }
}
