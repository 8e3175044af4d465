using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Backends.PerUser;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Per-user backends end to end (ADR 0033): each member's calls carry their own key (a header, a process environment),
/// a member without one gets a clear answer, and the runtime's limits (maxInstances, idle stop) hold.
/// </summary>
public sealed class PerUserBackendTests(PerUserGatewayFixture fixture) : IClassFixture<PerUserGatewayFixture>
{
    private static async Task<(CallToolResult Result, JsonNode? Json)> CallAsync(McpClient client, string tool, string name)
    {
        var result = await client.CallToolAsync(tool, new Dictionary<string, object?> { ["name"] = name });
        var text = result.Content.OfType<TextContentBlock>().Single().Text;
        return (result, result.IsError == true ? null : JsonNode.Parse(text));
    }

    private static string TextOf(CallToolResult result) => result.Content.OfType<TextContentBlock>().Single().Text;

    [Fact]
    public async Task AHeaderSecret_EachUserReachesTheBackendWithTheirOwnKey_AndAUserWithoutOneIsToldWhereToConnect()
    {
        await fixture.SetSecretAsync("keyed", "alice", "API_KEY", "alice-key-7f3a");
        await fixture.SetSecretAsync("keyed", "bob", "API_KEY", "bob-key-91c2");
        await fixture.CatalogueAsync("keyed");
        await using var alice = await fixture.ClientAsync("alice");
        await using var bob = await fixture.ClientAsync("bob");
        await using var carol = await fixture.ClientAsync("carol");

        var (_, alices) = await CallAsync(alice, "keyed_1mcp_request_header", "X-Api-Key");
        var (_, bobs) = await CallAsync(bob, "keyed_1mcp_request_header", "X-Api-Key");
        var (refused, _) = await CallAsync(carol, "keyed_1mcp_request_header", "X-Api-Key");

        alices!["value"]!.GetValue<string>().ShouldBe("alice-key-7f3a");
        bobs!["value"]!.GetValue<string>().ShouldBe("bob-key-91c2");
        refused.IsError.ShouldBe(true);
        var sentence = TextOf(refused);
        sentence.ShouldContain("'keyed'");
        sentence.ShouldContain("API_KEY");
        sentence.ShouldContain(fixture.Gateway.BaseUrl.Authority);
        sentence.ShouldContain("/oauth#connections");
    }

    [Fact]
    public async Task ACookieTheBackendSetsForOneUser_GoesBackOnTheirConnectionOnly()
    {
        await fixture.SetSecretAsync("keyed", "alice", "API_KEY", "alice-cookie-2b7e");
        await fixture.SetSecretAsync("keyed", "bob", "API_KEY", "bob-cookie-5d19");
        await fixture.CatalogueAsync("keyed");
        await using var alice = await fixture.ClientAsync("alice");
        await using var bob = await fixture.ClientAsync("bob");

        // The server answers each key with its session cookie; Alice's answers come last.
        await CallAsync(bob, "keyed_1mcp_request_header", "X-Api-Key");
        var (_, alices) = await CallAsync(alice, "keyed_1mcp_request_header", "Cookie");
        var (_, bobs) = await CallAsync(bob, "keyed_1mcp_request_header", "Cookie");
        var (_, shared) = await CallAsync(bob, "plain_1mcp_request_header", "Cookie");

        alices!["value"]!.GetValue<string>().ShouldBe("session=alice-cookie-2b7e");
        bobs!["value"]!.GetValue<string>().ShouldBe("session=bob-cookie-5d19");
        shared!["value"].ShouldBeNull("the shared backend on the same server was never answered with a cookie");
    }

    [Fact]
    public async Task AStdioBackend_RunsOneProcessPerUserWithTheirOwnEnvironment()
    {
        await fixture.SetSecretAsync("proc", "alice", "API_KEY", "alice-env-55d0");
        await fixture.SetSecretAsync("proc", "bob", "API_KEY", "bob-env-0e4b");
        await fixture.CatalogueAsync("proc");
        await using var alice = await fixture.ClientAsync("alice");
        await using var bob = await fixture.ClientAsync("bob");

        var (_, alices) = await CallAsync(alice, "proc_1mcp_env", "USER_KEY");
        var (_, bobs) = await CallAsync(bob, "proc_1mcp_env", "USER_KEY");
        var (_, alicesAgain) = await CallAsync(alice, "proc_1mcp_env", "USER_KEY");

        alices!["value"]!.GetValue<string>().ShouldBe("alice-env-55d0");
        bobs!["value"]!.GetValue<string>().ShouldBe("bob-env-0e4b");
        bobs["pid"]!.GetValue<int>().ShouldNotBe(alices["pid"]!.GetValue<int>());
        alicesAgain!["pid"]!.GetValue<int>().ShouldBe(alices["pid"]!.GetValue<int>(), "one process per user, reused");
    }

    [Fact]
    public async Task MaxInstances_WhenReached_TheNextUserGetsAClearError()
    {
        await fixture.CatalogueAsync("single");
        await using var alice = await fixture.ClientAsync("alice");
        await using var bob = await fixture.ClientAsync("bob");

        var (served, _) = await CallAsync(alice, "single_1mcp_env", "HOME");
        var (refused, _) = await CallAsync(bob, "single_1mcp_env", "HOME");

        served.IsError.ShouldNotBe(true);
        refused.IsError.ShouldBe(true);
        TextOf(refused).ShouldContain("'single'");
        TextOf(refused).ShouldContain("maxInstances");
    }

    [Fact]
    public async Task AnInstanceUnusedForItsIdleTimeout_IsStopped_AndTheNextCallStartsAnotherProcess()
    {
        await fixture.CatalogueAsync("idle");
        await using var carol = await fixture.ClientAsync("carol");
        var (_, first) = await CallAsync(carol, "idle_1mcp_env", "HOME");
        var entry = (PerUserBackendConnection)fixture.Gateway.Backend("idle");

        await Eventually.TrueAsync(() => entry.InstanceCount == 0, "carol's idle instance stopped");
        var (_, second) = await CallAsync(carol, "idle_1mcp_env", "HOME");

        second!["pid"]!.GetValue<int>().ShouldNotBe(first!["pid"]!.GetValue<int>());
    }

    [Fact]
    public async Task AUsersSecret_NeverReachesTheGatewayLog()
    {
        const string Secret = "alice-secret-never-logged-b81f";
        await fixture.SetSecretAsync("proc", "alice", "API_KEY", Secret);
        await fixture.CatalogueAsync("proc");
        await using var alice = await fixture.ClientAsync("alice");

        var (_, answer) = await CallAsync(alice, "proc_1mcp_env", "USER_KEY");

        answer!["value"]!.GetValue<string>().ShouldBe(Secret, "the call ran with the secret");
        fixture.Log.Lines.ShouldContain(l => l.Contains("started the connection of user", StringComparison.Ordinal));
        fixture.Log.Lines.Where(l => l.Contains(Secret, StringComparison.Ordinal)).ShouldBeEmpty();
    }
}
