using OneMcp.Application.Backends;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class PerServerPathTests
{
    [Theory]
    [InlineData("POST", "/mcp", null, false)]
    [InlineData("POST", "/mcp/", null, false)]
    [InlineData("POST", "/mcpx/alpha", null, false)]
    [InlineData("GET", "/api/backends", null, false)]
    [InlineData("POST", "/mcp/alpha", "alpha", false)]
    [InlineData("POST", "/MCP/alpha", "alpha", false)]
    [InlineData("GET", "/mcp/alpha/", "alpha", false)]
    [InlineData("GET", "/mcp/alpha/sse", "alpha", true)]
    [InlineData("GET", "/mcp/sse", null, false)]
    [InlineData("POST", "/mcp/message", null, false)]
    [InlineData("POST", "/mcp/sse", "sse", false)]
    [InlineData("GET", "/mcp/message", "message", false)]
    [InlineData("DELETE", "/mcp", null, false)]
    [InlineData("DELETE", "/mcp/alpha", "alpha", false)]
    public void ServerOf_ReadsThePathAsRoutingMatchesIt(string method, string? path, string? server, bool nested)
    {
        PerServerPath.ServerOf(method, path, out var isNested).ShouldBe(server);
        isNested.ShouldBe(nested);
        var streamable = path is "/mcp" or "/mcp/" || (server is not null && !nested);
        PerServerPath.IsStreamableEndpoint(method, path).ShouldBe(streamable);
        PerServerPath.IsStreamablePost(method, path).ShouldBe(method == "POST" && streamable);
    }

    [Theory]
    [InlineData("docs", null, true)]
    [InlineData("docs", "docs", true)]
    [InlineData("docs", "web", false)]     // outside the filter
    [InlineData("off", null, false)]       // disabled
    [InlineData("ghost", null, false)]     // no such backend
    [InlineData("do cs", null, false)]     // not a server name
    [InlineData("starting", null, true)]   // not connected yet, still served
    public void TryReach_AdmitsAnExistingEnabledBackendInsideTheFilter(string server, string? tags, bool reached)
    {
        var pool = new FakePool([
            Backend.Named("docs").Tagged("docs").Connected(Caps.New()),
            Backend.Named("off").Tagged("docs").Disabled().Connected(Caps.New()),
            Backend.Named("starting").Tagged("docs").In(BackendStatus.Connecting, Caps.New()),
        ]);

        BackendVisibility.TryReach(pool, server, SessionFilter.FromQuery(tags, null, null, _ => null), null, out var name).ShouldBe(reached);
        if (reached)
        {
            name.Value.ShouldBe(server);
        }
    }
}
