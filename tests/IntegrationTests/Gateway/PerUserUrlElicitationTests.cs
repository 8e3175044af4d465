using System.Text.Json;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Protocol;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// A 2026-07-28 client whose user has not connected a per-user backend (ADR 0033): when it can open URLs
/// (URL-mode elicitation), the call answers <c>input_required</c> pointing at "My connections"; the user connects
/// there, the client retries accepting, and the call runs as them. Declining ends in the usual isError answer.
/// </summary>
public sealed class PerUserUrlElicitationTests(PerUserGatewayFixture fixture) : IClassFixture<PerUserGatewayFixture>
{
    private const string Tool = "keyed_1mcp_request_header";
    private static readonly JsonObject CanOpenUrls = new() { ["elicitation"] = new JsonObject { ["url"] = new JsonObject() } };

    [Fact]
    public async Task NotConnected_TheClientIsSentToMyConnections_AndItsRetryAfterConnectingRunsAsTheUser()
    {
        await fixture.SetSecretAsync("keyed", "alice", "API_KEY", "alice-key-for-the-catalogue");
        await fixture.CatalogueAsync("keyed");
        var token = await fixture.TokenAsync("dave");

        var (_, first) = await CallAsync(token, CanOpenUrls, null, null);
        var result = first.GetProperty("result");
        result.GetProperty("resultType").GetString().ShouldBe("input_required", first.GetRawText());
        var question = result.GetProperty("inputRequests").EnumerateObject().ShouldHaveSingleItem();
        question.Value.GetProperty("method").GetString().ShouldBe("elicitation/create");
        var asked = question.Value.GetProperty("params");
        asked.GetProperty("mode").GetString().ShouldBe("url");
        asked.GetProperty("url").GetString().ShouldBe(new Uri(fixture.Gateway.BaseUrl, "/oauth#connections").AbsoluteUri);
        asked.GetProperty("message").GetString()!.ShouldContain("'keyed'");
        asked.TryGetProperty("elicitationId", out var id).ShouldBeTrue(asked.GetRawText());
        id.GetString().ShouldNotBeNullOrEmpty();

        // The user follows the link and enters their key; the client comes back accepting.
        await fixture.SetSecretAsync("keyed", "dave", "API_KEY", "dave-key-5e1b");
        var (_, retried) = await CallAsync(
            token, CanOpenUrls, result.GetProperty("requestState").GetString(), new JsonObject { [question.Name] = new JsonObject { ["action"] = "accept" } });

        retried.TryGetProperty("result", out var answer).ShouldBeTrue(retried.GetRawText());
        (answer.TryGetProperty("isError", out var isError) && isError.GetBoolean()).ShouldBeFalse(retried.GetRawText());
        JsonNode.Parse(Text(answer))!["value"]!.GetValue<string>().ShouldBe("dave-key-5e1b");
    }

    [Fact]
    public async Task Connected_A2026Call_RunsAsTheUserAtOnce()
    {
        await fixture.SetSecretAsync("keyed", "alice", "API_KEY", "alice-key-for-the-catalogue");
        await fixture.CatalogueAsync("keyed");

        var (_, answer) = await CallAsync(await fixture.TokenAsync("alice"), CanOpenUrls, null, null);

        answer.TryGetProperty("result", out var result).ShouldBeTrue(answer.GetRawText());
        JsonNode.Parse(Text(result))!["value"]!.GetValue<string>().ShouldBe("alice-key-for-the-catalogue");
    }

    [Fact]
    public async Task A2026Call_ToASharedHttpBackendThatSpeaksAnOlderRevision_IsAnswered()
    {
        await fixture.CatalogueAsync("plain");

        var (_, answer) = await CallAsync(await fixture.TokenAsync("carol"), CanOpenUrls, null, null, "plain_1mcp_request_header");

        answer.TryGetProperty("result", out var result).ShouldBeTrue(answer.GetRawText());
        JsonNode.Parse(Text(result))!["value"].ShouldBeNull();
    }

    [Fact]
    public async Task NotConnected_DecliningTheLink_EndsWithTheAnswerThatSaysWhereToConnect()
    {
        await fixture.SetSecretAsync("keyed", "alice", "API_KEY", "alice-key-for-the-catalogue");
        await fixture.CatalogueAsync("keyed");
        var token = await fixture.TokenAsync("erin");

        var (_, first) = await CallAsync(token, CanOpenUrls, null, null);
        var result = first.GetProperty("result");
        var key = result.GetProperty("inputRequests").EnumerateObject().Single().Name;
        var (_, declined) = await CallAsync(
            token, CanOpenUrls, result.GetProperty("requestState").GetString(), new JsonObject { [key] = new JsonObject { ["action"] = "decline" } });

        var answer = declined.GetProperty("result");
        answer.GetProperty("isError").GetBoolean().ShouldBeTrue(declined.GetRawText());
        Text(answer).ShouldContain("/oauth#connections");
    }

    [Fact]
    public async Task NotConnected_AClientThatCannotOpenUrls_GetsTheAnswerThatSaysWhereToConnect_AtOnce()
    {
        await fixture.SetSecretAsync("keyed", "alice", "API_KEY", "alice-key-for-the-catalogue");
        await fixture.CatalogueAsync("keyed");
        var token = await fixture.TokenAsync("carol");

        var (_, answer) = await CallAsync(token, new JsonObject { ["elicitation"] = new JsonObject() }, null, null);

        var result = answer.GetProperty("result");
        result.TryGetProperty("inputRequests", out _).ShouldBeFalse(answer.GetRawText());
        result.GetProperty("isError").GetBoolean().ShouldBeTrue();
        Text(result).ShouldContain("/oauth#connections");
    }

    private Task<(System.Net.HttpStatusCode Status, JsonElement Message)> CallAsync(
        string token, JsonObject capabilities, string? requestState, JsonObject? inputResponses, string tool = Tool)
    {
        var parameters = new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject { ["name"] = "X-Api-Key" } };
        if (requestState is not null)
        {
            parameters["requestState"] = requestState;
            parameters["inputResponses"] = inputResponses;
        }

        return StatelessRequest.SendAsync(fixture.Gateway.Url("/mcp"), "tools/call", parameters, nameHeader: tool, token: token, capabilities: capabilities.DeepClone().AsObject());
    }

    private static string Text(JsonElement result) =>
        string.Concat(result.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
}
