using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// Malformed parameters are the client's error in both eras: -32602 with a message naming the field, never the
/// internal error a failed deserialization used to give.
/// </summary>
public sealed class InvalidParamsTests(TaggedBackendsFixture fixture) : IClassFixture<TaggedBackendsFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    /// <summary>The cases both eras serve (2026-07-28 has no logging/setLevel: the level travels in _meta).</summary>
    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "tools/call", """{"name":"alpha_1mcp_echo","arguments":"not an object"}""", "alpha_1mcp_echo", "'arguments' must be an object" },
        { "tools/call", """{"name":"alpha_1mcp_echo","arguments":[1,2]}""", "alpha_1mcp_echo", "'arguments' must be an object" },
        { "completion/complete", """{"ref":{"type":"ref/unknown","name":"x"},"argument":{"name":"a","value":"b"}}""", "", "'ref.type' must be 'ref/prompt' or 'ref/resource'" },
    };

    public static TheoryData<string, string, string, string> LegacyCases
    {
        get
        {
            var cases = new TheoryData<string, string, string, string>();
            foreach (var row in Cases)
            {
                cases.Add((string)row[0], (string)row[1], (string)row[2], (string)row[3]);
            }

            cases.Add("logging/setLevel", """{"level":"verbose"}""", "", "'level' must be one of debug, info");
            cases.Add("tools/call", """{"name":"alpha_1mcp_echo","_meta":"x"}""", "", "'_meta' must be an object");
            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task NewRevision_MalformedParams_AreInvalidParamsNamingTheField(string method, string parameters, string name, string field)
    {
        var (_, message) = await StatelessRequest.SendAsync(
            Gateway.Url("/mcp"), method, JsonNode.Parse(parameters)!.AsObject(), nameHeader: name.Length == 0 ? null : name);

        var error = message.GetProperty("error");
        error.GetProperty("code").GetInt32().ShouldBe((int)McpErrorCode.InvalidParams, message.ToString());
        error.GetProperty("message").GetString().ShouldNotBeNull().ShouldContain(field);
    }

    [Theory]
    [MemberData(nameof(LegacyCases))]
    public async Task LegacySession_MalformedParams_AreInvalidParamsNamingTheField(string method, string parameters, string name, string field)
    {
        _ = name;
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy);

        var error = await Should.ThrowAsync<McpProtocolException>(() => client.SendRequestAsync(
            new JsonRpcRequest { Method = method, Params = JsonNode.Parse(parameters) }));

        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        error.Message.ShouldContain(field);
    }

    [Theory]
    [InlineData("resources/read", """{"uri":5}""", "'uri' must be a string")]
    [InlineData("prompts/get", """{"name":5}""", "'name' must be a string")]
    [InlineData("tools/call", "[]", "'params' must be an object")]
    [InlineData("tools/list", """{"cursor":5}""", "'cursor' must be a string")]
    [InlineData("resources/list", """{"cursor":{"page":2}}""", "'cursor' must be a string")]
    [InlineData("tools/list", "[]", "'params' must be an object")]
    [InlineData("resources/subscribe", "{}", "'uri' must be a string")]
    [InlineData("resources/unsubscribe", """{"uri":7}""", "'uri' must be a string")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/resource"},"argument":{"name":"id","value":"x"}}""", "'ref.uri' must be a string")]
    [InlineData("completion/complete", """{"ref":{"type":"ref/prompt","name":"alpha_1mcp_greeting"}}""", "'argument' must be an object")]
    public async Task LegacySession_ParamsOfTheWrongType_AreInvalidParams_NotAnInternalError(string method, string parameters, string field)
    {
        // Before: the SDK's typed read of these failed as an internal error (-32603 "An error occurred."). Sent raw:
        // the SDK client refuses to send a method the server's capabilities do not list.
        using var session = await RawMcpSession.OpenAsync(Gateway.Url("/mcp"));
        using var http = new HttpClient();
        var body = $$"""{"jsonrpc":"2.0","id":5,"method":"{{method}}","params":{{parameters}}}""";

        using var response = await RawMcpSession.PostRaw(http, session.Endpoint, session.SessionId, body);
        var messages = await RawMcpSession.ReadMessagesAsync(response);

        var error = messages.ShouldHaveSingleItem()["error"]!;
        ((int)error["code"]!).ShouldBe((int)McpErrorCode.InvalidParams, error.ToJsonString());
        error["message"]!.ToString().ShouldContain(field);
    }

    [Fact]
    public async Task NewRevision_SetLevel_IsNotAMethodOfTheRevision()
    {
        var (_, message) = await StatelessRequest.SendAsync(Gateway.Url("/mcp"), "logging/setLevel", new JsonObject { ["level"] = "verbose" });

        message.GetProperty("error").GetProperty("code").GetInt32().ShouldBe((int)McpErrorCode.MethodNotFound, message.ToString());
    }

    [Fact]
    public async Task LegacySession_WellFormedParams_StillWork()
    {
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy);

        await client.SetLoggingLevelAsync(LoggingLevel.Warning);
        var echo = await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "fine" });

        echo.IsError.ShouldNotBe(true);
    }

    [Fact]
    public async Task NewRevision_UnknownResource_IsInvalidParams()
    {
        var (status, message) = await StatelessRequest.SendAsync(
            Gateway.Url("/mcp"), "resources/read", new JsonObject { ["uri"] = "zeta_1mcp_test://nothing" }, nameHeader: "zeta_1mcp_test://nothing");

        status.ShouldBe(HttpStatusCode.OK, message.ToString());
        message.GetProperty("error").GetProperty("code").GetInt32().ShouldBe((int)McpErrorCode.InvalidParams);
        message.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("zeta_1mcp_test://nothing");
    }
}
