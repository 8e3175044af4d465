using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// Multi Round-Trip Requests through <c>/mcp</c>: the test backend asks its client with ordinary elicitation and
/// sampling requests (2025-11-25 style); a 2026-07-28 client gets them as <c>input_required</c>, answers in a retry,
/// and the backend's call completes with the answer. Driven by the official TypeScript SDK v2 client, the C# SDK
/// client and by hand (to alter what comes back).
/// </summary>
public sealed class MultiRoundTripTests(WebAndDbBackendsFixture fixture) : IClassFixture<WebAndDbBackendsFixture>
{
    private static readonly JsonObject CanElicit = new() { ["elicitation"] = new JsonObject() };

    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task TypeScriptClient_AnswersABackendsElicitationAndSampling_ThroughInputRequired()
    {
        var seen = await NodeClient.MrtrAsync(Gateway.Url("/mcp"), "alpha");

        seen.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Stateless);
        seen.GetProperty("elicited").GetString().ShouldBe("elicited: accept node");
        seen.GetProperty("sampled").GetString().ShouldBe("sampled: four");
        seen.GetProperty("elicitations").EnumerateArray().Select(e => e.GetString()).ShouldBe(["Your name?"]);
        seen.GetProperty("samplings").EnumerateArray().Select(e => e.GetString()).ShouldBe(["What is 2+2?"]);
    }

    [Fact]
    public async Task TypeScriptClient_ThroughOneBackendsEndpoint_AnswersWithTheBackendsOwnNames()
    {
        var seen = await NodeClient.MrtrAsync(Gateway.Url("/mcp/beta"), "");

        seen.GetProperty("elicited").GetString().ShouldBe("elicited: accept node");
        seen.GetProperty("sampled").GetString().ShouldBe("sampled: four");
    }

    [Fact]
    public async Task CSharpClient_OnTheNewRevision_AnswersABackendsElicitationAndSampling()
    {
        var asked = new List<string>();
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = Gateway.Url("/mcp") }),
            new McpClientOptions
            {
                ProtocolVersion = ProtocolEras.Stateless,
                Handlers = new McpClientHandlers
                {
                    ElicitationHandler = (request, _) =>
                    {
                        asked.Add(request!.Message);
                        return ValueTask.FromResult(new ElicitResult
                        {
                            Action = "accept",
                            Content = new Dictionary<string, JsonElement> { ["answer"] = JsonSerializer.SerializeToElement("csharp") },
                        });
                    },
                    SamplingHandler = (request, _, _) =>
                    {
                        asked.Add(((TextContentBlock)request!.Messages.Single().Content.Single()).Text);
                        return ValueTask.FromResult(new CreateMessageResult { Model = "m", Role = Role.Assistant, Content = [new TextContentBlock { Text = "five" }] });
                    },
                },
            });

        client.NegotiatedProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        Text(await client.CallToolAsync("beta_1mcp_elicit", new Dictionary<string, object?> { ["message"] = "Which one?" })).ShouldBe("elicited: accept csharp");
        Text(await client.CallToolAsync("beta_1mcp_sample", new Dictionary<string, object?> { ["prompt"] = "2+3?" })).ShouldBe("sampled: five");
        asked.ShouldBe(["Which one?", "2+3?"]);
    }

    [Fact]
    public async Task AnAlteredRequestState_IsRefused_AndTheUnalteredOneStillCompletesTheCall()
    {
        var (status, first) = await ElicitAsync(null, null);
        status.ShouldBe(HttpStatusCode.OK);
        var result = first.GetProperty("result");
        result.GetProperty("resultType").GetString().ShouldBe("input_required");
        var question = result.GetProperty("inputRequests").EnumerateObject().ShouldHaveSingleItem();
        question.Value.GetProperty("method").GetString().ShouldBe("elicitation/create");
        question.Value.GetProperty("params").GetProperty("message").GetString().ShouldBe("Your name?");
        var state = result.GetProperty("requestState").GetString()!;
        var answer = new JsonObject
        {
            [question.Name] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["answer"] = "by hand" } },
        };

        var (_, altered) = await ElicitAsync(state[..^3] + (state[^3] == 'x' ? 'y' : 'x') + state[^2..], answer.DeepClone().AsObject());
        var error = altered.GetProperty("error");
        error.GetProperty("code").GetInt32().ShouldBe(-32602);
        error.GetProperty("message").GetString().ShouldBe("requestState was not issued by this gateway or was altered.");

        var (_, completed) = await ElicitAsync(state, answer);
        Text(completed.GetProperty("result")).ShouldBe("elicited: accept by hand");
    }

    [Fact]
    public async Task ARequestStateUsedOnAnotherRequest_IsRefused()
    {
        var (_, first) = await ElicitAsync(null, null);
        var state = first.GetProperty("result").GetProperty("requestState").GetString()!;

        var (_, other) = await StatelessRequest.SendAsync(
            Gateway.Url("/mcp"), "tools/call",
            new JsonObject { ["name"] = "alpha_1mcp_elicit", ["arguments"] = new JsonObject { ["message"] = "Something else?" }, ["requestState"] = state },
            nameHeader: "alpha_1mcp_elicit", capabilities: CanElicit.DeepClone().AsObject());

        other.GetProperty("error").GetProperty("message").GetString().ShouldBe("requestState was issued for a different request.");

        // The call it was issued for still waits, and completes (so no elicitation stays in flight on alpha).
        var key = first.GetProperty("result").GetProperty("inputRequests").EnumerateObject().Single().Name;
        var (_, completed) = await ElicitAsync(state, new JsonObject { [key] = new JsonObject { ["action"] = "decline" } });
        Text(completed.GetProperty("result")).ShouldBe("elicited: decline");
    }

    [Fact]
    public async Task AClientThatDeclaresNoElicitation_IsNotAsked_AndTheCallFailsSayingWhy()
    {
        var (_, answer) = await StatelessRequest.SendAsync(
            Gateway.Url("/mcp"), "tools/call",
            new JsonObject { ["name"] = "beta_1mcp_elicit", ["arguments"] = new JsonObject { ["message"] = "Your name?" } },
            nameHeader: "beta_1mcp_elicit");

        answer.TryGetProperty("result", out _).ShouldBeFalse(answer.GetRawText());
        answer.GetProperty("error").GetProperty("message").GetString().ShouldEndWith("The client does not support elicitation.");
    }

    private Task<(HttpStatusCode Status, JsonElement Message)> ElicitAsync(string? requestState, JsonObject? inputResponses)
    {
        var parameters = new JsonObject { ["name"] = "alpha_1mcp_elicit", ["arguments"] = new JsonObject { ["message"] = "Your name?" } };
        if (requestState is not null)
        {
            parameters["requestState"] = requestState;
            parameters["inputResponses"] = inputResponses;
        }

        return StatelessRequest.SendAsync(Gateway.Url("/mcp"), "tools/call", parameters, nameHeader: "alpha_1mcp_elicit", capabilities: CanElicit.DeepClone().AsObject());
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    private static string Text(JsonElement result) =>
        string.Concat(result.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
}
