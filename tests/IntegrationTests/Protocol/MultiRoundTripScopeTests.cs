using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// With --enable-auth --enable-scope-validation, a <c>requestState</c> continues a call only for the user and client
/// it was issued to: another user's retry with it is refused and changes nothing.
/// </summary>
public sealed class MultiRoundTripScopeTests(StatelessScopeFixture fixture) : IClassFixture<StatelessScopeFixture>
{
    private const string RedirectUri = "http://127.0.0.1:46003/cb";
    private const string Tool = "web_1mcp_elicit";
    private static readonly JsonObject CanElicit = new() { ["elicitation"] = new JsonObject() };

    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task AnotherUsersRequestState_IsRefused_AndTheOwnersRetryStillCompletes()
    {
        await Gateway.AddUserAsync("grace", "another correct horse battery", "member");
        var ada = await TokenAsync(StatelessScopeFixture.User, StatelessScopeFixture.Password);
        var grace = await TokenAsync("grace", "another correct horse battery");

        var (_, first) = await CallAsync(ada, null, null);
        var result = first.GetProperty("result");
        result.GetProperty("resultType").GetString().ShouldBe("input_required");
        var state = result.GetProperty("requestState").GetString()!;
        var key = result.GetProperty("inputRequests").EnumerateObject().Single().Name;
        JsonObject Answer(string text) => new() { [key] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["answer"] = text } } };

        var (_, stolen) = await CallAsync(grace, state, Answer("from grace"));
        stolen.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32602);
        stolen.GetProperty("error").GetProperty("message").GetString().ShouldBe("requestState was issued to another user or client.");

        var (_, completed) = await CallAsync(ada, state, Answer("from ada"));
        completed.GetProperty("result").GetProperty("content")[0]!.GetProperty("text").GetString().ShouldBe("elicited: accept from ada");
    }

    private Task<(System.Net.HttpStatusCode Status, System.Text.Json.JsonElement Message)> CallAsync(string token, string? state, JsonObject? answers)
    {
        var parameters = new JsonObject { ["name"] = Tool, ["arguments"] = new JsonObject { ["message"] = "Your name?" } };
        if (state is not null)
        {
            parameters["requestState"] = state;
            parameters["inputResponses"] = answers;
        }

        return StatelessRequest.SendAsync(Gateway.Url("/mcp"), "tools/call", parameters, nameHeader: Tool, token: token, capabilities: CanElicit.DeepClone().AsObject());
    }

    private Task<string> TokenAsync(string user, string password) =>
        new OAuthFlowDriver(Gateway.BaseUrl).AccessTokenAsync(RedirectUri, ["tag:web"], user, password);
}
