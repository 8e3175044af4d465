using Microsoft.AspNetCore.Http;
using OneMcp.Api.Http;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>Which requests address one backend (<c>/mcp/&lt;server&gt;</c>), read as routing matches them.</summary>
public sealed class GatewayRoutesTests
{
    [Theory]
    [InlineData("POST", "/mcp", null, false)]
    [InlineData("POST", "/mcp/", null, false)]
    [InlineData("POST", "/mcpx", null, false)]
    [InlineData("GET", "/api/backends", null, false)]
    [InlineData("POST", "/mcp/alpha", "alpha", false)]
    [InlineData("GET", "/mcp/alpha/", "alpha", false)]
    [InlineData("DELETE", "/mcp/alpha", "alpha", false)]
    [InlineData("GET", "/mcp/alpha/sse", "alpha", true)]
    [InlineData("POST", "/mcp/alpha/message", "alpha", true)]
    [InlineData("GET", "/mcp/sse", null, false)]        // the SDK's legacy SSE stream
    [InlineData("POST", "/mcp/message", null, false)]   // the SDK's legacy SSE messages
    [InlineData("POST", "/mcp/sse", "sse", false)]      // no legacy endpoint: routing picks /mcp/{server}
    public void ServerOf_NamesTheBackendOfAPerServerRequest(string method, string path, string? server, bool nested)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;

        GatewayRoutes.ServerOf(context.Request, out var isNested).ShouldBe(server);
        isNested.ShouldBe(nested);
        GatewayRoutes.IsStreamablePost(context.Request).ShouldBe(method == "POST" && (path is "/mcp" or "/mcp/" || server is not null && !nested));
    }
}
