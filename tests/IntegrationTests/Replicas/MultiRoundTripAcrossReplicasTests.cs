using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// A 2026-07-28 client's multi-round-trip retry behind a round-robin balancer (ADR 0029, 0031): the backend's call
/// waits on replica A, the retry carrying the answer lands on B, and B relays it to A, which the requestState names.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class MultiRoundTripAcrossReplicasTests(PostgresFixture postgres, SharedRelayReplicas shared) : IClassFixture<SharedRelayReplicas>, IDisposable
{
    private const string Tool = RelayReplicas.Backend + "_1mcp_elicit";
    private static readonly JsonObject CanElicit = new() { ["elicitation"] = new JsonObject() };

    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    // A retry body of 40 KB is read into a buffer grown several times (from 4 KiB) before its requestState is found.
    // The cases share one pair of replicas, each with a call of its own; the relay counters are judged by what changed.
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 40_000)]
    [InlineData(true, 40_000)]
    public async Task TheRetrySentToB_ReachesTheCallWaitingOnA_AndCompletesIt(bool chunked, int padding)
    {
        var replicas = await shared.StartedAsync(postgres);
        var relayedByA = await RelayReplicas.RelaysAsync(replicas.A, "relayed");
        var relayedByB = await RelayReplicas.RelaysAsync(replicas.B, "relayed");
        var (key, state) = await AskOnAsync(replicas.A);
        var answer = "across replicas" + new string('.', padding);

        var (status, completed) = await CallAsync(replicas.B, state, Accept(key, answer), chunked);

        status.ShouldBe(HttpStatusCode.OK);
        Text(completed.GetProperty("result")).ShouldBe("elicited: accept " + answer);
        (await RelayReplicas.RelaysAsync(replicas.B, "relayed") - relayedByB).ShouldBe(1);
        (await RelayReplicas.RelaysAsync(replicas.A, "relayed") - relayedByA).ShouldBe(0, "A continues the relayed retry itself");

        // The state was single use: sent again (to either replica) it is no longer valid.
        var (_, again) = await CallAsync(replicas.B, state, Accept(key, "twice"));
        again.GetProperty("error").GetProperty("message").GetString().ShouldStartWith("requestState is no longer valid");
    }

    [Fact]
    public async Task WithAKilled_TheRetrySentToB_GetsTheBridgesAnswerForAStateNoLongerValid()
    {
        await using var replicas = await RelayReplicas.StartAsync(postgres, _directory);
        var (key, state) = await AskOnAsync(replicas.A);
        await replicas.A.KillAsync();

        var (status, answer) = await CallAsync(replicas.B, state, Accept(key, "too late")).WaitAsync(TimeSpan.FromSeconds(30));

        status.ShouldBe(HttpStatusCode.OK);
        var error = answer.GetProperty("error");
        error.GetProperty("code").GetInt32().ShouldBe(-32602);
        error.GetProperty("message").GetString().ShouldBe(
            "requestState is no longer valid: the request it continues was answered, expired or ended; send the request again without it.");
        ((await RelayReplicas.RelaysAsync(replicas.B, "refused")) + (await RelayReplicas.RelaysAsync(replicas.B, "owner_gone"))).ShouldBe(1);
    }

    private static async Task<(string Key, string State)> AskOnAsync(GatewayProcess gateway)
    {
        var (status, first) = await CallAsync(gateway, null, null);
        status.ShouldBe(HttpStatusCode.OK);
        var result = first.GetProperty("result");
        result.GetProperty("resultType").GetString().ShouldBe("input_required");
        var question = result.GetProperty("inputRequests").EnumerateObject().ShouldHaveSingleItem();
        question.Value.GetProperty("method").GetString().ShouldBe("elicitation/create");
        return (question.Name, result.GetProperty("requestState").GetString()!);
    }

    private static Task<(HttpStatusCode Status, JsonElement Message)> CallAsync(GatewayProcess gateway, string? requestState, JsonObject? inputResponses, bool chunked = false)
    {
        var parameters = new JsonObject { ["name"] = Tool, ["arguments"] = new JsonObject { ["message"] = "Your name?" } };
        if (requestState is not null)
        {
            parameters["requestState"] = requestState;
            parameters["inputResponses"] = inputResponses;
        }

        return StatelessRequest.SendAsync(new Uri(gateway.BaseUrl, "/mcp"), "tools/call", parameters, nameHeader: Tool, capabilities: CanElicit.DeepClone().AsObject(), chunked: chunked);
    }

    private static JsonObject Accept(string key, string answer) =>
        new() { [key] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["answer"] = answer } } };

    private static string Text(JsonElement result) =>
        result.GetProperty("content")[0].GetProperty("text").GetString()!;
}
