using System.Net;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>Tag scopes through the REST API with auth off: every backend tag and every stored policy.</summary>
public sealed class TagScopeApiTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;
    private RestClient _rest = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["web", "db"]))
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])));
        _rest = new RestClient(_gateway);
        await _gateway.AddUserAsync("alice", "a long enough password");
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task List_ShowsEveryBackendTagWithItsBackendsAndTheDefaultPolicy()
    {
        var list = await _rest.GetAsync("/api/tag-scopes");

        list.Status.ShouldBe(HttpStatusCode.OK, list.Text);
        var scopes = list.Json!.AsArray();
        scopes.Select(s => s!["tag"]!.GetValue<string>()).ShouldBe(["db", "web"]);
        var web = scopes[1]!;
        web["scope"]!.GetValue<string>().ShouldBe("tag:web");
        web["backends"]!.AsArray().Select(b => b!.GetValue<string>()).ShouldBe(["alpha", "beta"]);
        web["policy"]!.GetValue<string>().ShouldBe("allUsers");
        web["allowedUsers"]!.AsArray().ShouldBeEmpty();
        web["description"]!.GetValue<string>().ShouldBe(string.Empty);
    }

    [Fact]
    public async Task Put_CreatesThenUpdatesTheStoredScope_AndATagNoBackendCarriesIsListedToo()
    {
        var created = await _rest.PutAsync("/api/tag-scopes/web", new JsonObject { ["description"] = "the web tools", ["policy"] = "namedUsers", ["allowedUsers"] = new JsonArray("ALICE") });
        created.Status.ShouldBe(HttpStatusCode.OK, created.Text);
        created.Str("policy").ShouldBe("namedUsers");
        created.Json!["allowedUsers"]!.AsArray().Select(u => u!.GetValue<string>()).ShouldBe(["alice"]);
        created.Json!["backends"]!.AsArray().Select(b => b!.GetValue<string>()).ShouldBe(["alpha", "beta"]);

        var updated = await _rest.PutAsync("/api/tag-scopes/web", new JsonObject { ["description"] = "web", ["policy"] = "adminsOnly", ["allowedUsers"] = new JsonArray() });
        updated.Status.ShouldBe(HttpStatusCode.OK, updated.Text);
        (await _rest.PutAsync("/api/tag-scopes/Future", new JsonObject { ["policy"] = "adminsOnly" })).Status.ShouldBe(HttpStatusCode.OK);

        var list = (await _rest.GetAsync("/api/tag-scopes")).Json!.AsArray();
        list.Select(s => s!["tag"]!.GetValue<string>()).ShouldBe(["db", "future", "web"]);
        var web = list.Single(s => s!["tag"]!.GetValue<string>() == "web")!;
        web["description"]!.GetValue<string>().ShouldBe("web");
        web["policy"]!.GetValue<string>().ShouldBe("adminsOnly");
        web["allowedUsers"]!.AsArray().ShouldBeEmpty();
        list.Single(s => s!["tag"]!.GetValue<string>() == "future")!["backends"]!.AsArray().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("bad%20tag", """{"policy":"allUsers"}""", "tag")]
    [InlineData("-web", """{"policy":"allUsers"}""", "tag")]
    [InlineData("web", """{"description":"x"}""", "policy")]
    [InlineData("web", """{"policy":"namedUsers","allowedUsers":[]}""", "allowedUsers")]
    [InlineData("web", """{"policy":"namedUsers","allowedUsers":["alice","nobody"]}""", "allowedUsers")]
    [InlineData("web", """{"policy":"adminsOnly","allowedUsers":["alice"]}""", "allowedUsers")]
    public async Task Put_BadInput_Answers400AndChangesNothing(string tag, string body, string field)
    {
        var before = (await _rest.GetAsync("/api/tag-scopes")).Text;

        var response = (await _rest.SendRawAsync(HttpMethod.Put, $"/api/tag-scopes/{tag}", body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        response.ErrorFields.ShouldContain(field);
        (await _rest.GetAsync("/api/tag-scopes")).Text.ShouldBe(before);
    }

    [Fact]
    public async Task Put_NamingAnUnknownUser_SaysWhichOne()
    {
        var response = (await _rest.PutAsync("/api/tag-scopes/web", new JsonObject { ["policy"] = "namedUsers", ["allowedUsers"] = new JsonArray("alice", "nobody") }))
            .ShouldBeProblem(HttpStatusCode.BadRequest);

        response.Text.ShouldContain("'nobody'");
        response.Text.ShouldNotContain("'alice'");
    }

    [Fact]
    public async Task Put_UnknownPolicy_Answers400()
    {
        (await _rest.PutAsync("/api/tag-scopes/web", new JsonObject { ["policy"] = "everyone" })).ShouldBeProblem(HttpStatusCode.BadRequest);
        (await _rest.GetAsync("/api/tag-scopes")).Json!.AsArray().Select(s => s!["policy"]!.GetValue<string>()).ShouldAllBe(p => p == "allUsers");
    }
}
