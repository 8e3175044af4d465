using System.Text.Json.Nodes;
using ModelContextProtocol;
using OneMcp.Application.Gateway;

namespace OneMcp.UnitTests.Gateway;

public sealed class RequestParamsCheckTests
{
    [Theory]
    [InlineData("tools/call", """{"name":"a_1mcp_t","arguments":"x"}""", "'arguments' must be an object")]
    [InlineData("tools/call", """{"name":"a_1mcp_t","arguments":[]}""", "'arguments' must be an object")]
    [InlineData("tools/call", """{"name":3}""", "'name' must be a string")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/other"}}""", "'ref.type'")]
    [InlineData("completion/complete", """{"ref":"x"}""", "'ref' must be an object")]
    [InlineData("logging/setLevel", """{"level":"verbose"}""", "'level' must be one of")]
    [InlineData("logging/setLevel", """{"level":3}""", "'level' must be one of")]
    [InlineData("tools/call", """[]""", "'params' must be an object")]
    [InlineData("tools/call", "\"x\"", "'params' must be an object")]
    [InlineData("tools/call", """{"name":"a_1mcp_t","_meta":"x"}""", "'_meta' must be an object")]
    [InlineData("resources/read", """{"uri":5}""", "'uri' must be a string")]
    [InlineData("resources/read", """{}""", "'uri' must be a string")]
    [InlineData("resources/read", """[1]""", "'params' must be an object")]
    [InlineData("prompts/get", """{"name":5}""", "'name' must be a string")]
    [InlineData("prompts/get", """{"name":"a_1mcp_p","arguments":"y"}""", "'arguments' must be an object")]
    [InlineData("tools/list", """{"cursor":5}""", "'cursor' must be a string")]
    [InlineData("resources/list", """{"cursor":{}}""", "'cursor' must be a string")]
    [InlineData("resources/templates/list", """{"cursor":true}""", "'cursor' must be a string")]
    [InlineData("prompts/list", """{"cursor":[1]}""", "'cursor' must be a string")]
    [InlineData("tools/list", """[]""", "'params' must be an object")]
    [InlineData("resources/subscribe", """{}""", "'uri' must be a string")]
    [InlineData("resources/subscribe", """{"uri":5}""", "'uri' must be a string")]
    [InlineData("resources/unsubscribe", """[]""", "'params' must be an object")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/resource"},"argument":{"name":"a","value":"b"}}""", "'ref.uri' must be a string")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":3},"argument":{"name":"a","value":"b"}}""", "'ref.name' must be a string")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":"p"}}""", "'argument' must be an object")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":1}}""", "'argument' must be an object")]
    public void Enforce_MalformedParams_ThrowsInvalidParamsNamingTheField(string method, string parameters, string field)
    {
        var error = Should.Throw<McpProtocolException>(() => RequestParamsCheck.Enforce(method, JsonNode.Parse(parameters)));

        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        error.Message.ShouldContain(field);
        error.Message.ShouldStartWith(method);
    }

    [Theory]
    [InlineData("tools/call", """{"name":"a_1mcp_t","arguments":{"x":1}}""")]
    [InlineData("tools/call", """{"name":"a_1mcp_t"}""")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":""}}""")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/resource","uri":"u"},"argument":{"name":"a","value":"b"},"context":{"arguments":{"x":"y"}}}""")]
    [InlineData("logging/setLevel", """{"level":"emergency"}""")]
    [InlineData("tools/list", """{"cursor":"abc"}""")]
    [InlineData("tools/list", """{"cursor":null}""")]
    [InlineData("resources/list", """{}""")]
    [InlineData("resources/subscribe", """{"uri":"a_1mcp_file:///x"}""")]
    [InlineData("resources/read", """{"uri":"a_1mcp_file:///x"}""")]
    [InlineData("prompts/get", """{"name":"a_1mcp_p","arguments":{"n":"v","m":1},"_meta":{"k":1}}""")]
    public void Problem_WellFormedOrUncheckedParams_IsNull(string method, string parameters) =>
        RequestParamsCheck.Problem(method, JsonNode.Parse(parameters)).ShouldBeNull();
}
