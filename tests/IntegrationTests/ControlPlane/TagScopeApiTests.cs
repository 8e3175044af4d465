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
        web["allowedGroups"]!.AsArray().ShouldBeEmpty();
        web["description"]!.GetValue<string>().ShouldBe(string.Empty);
    }

    [Fact]
    public async Task Put_NamedGroups_AreStoredAsTheProviderSpellsThem_AndListedBack()
    {
        var saved = await _rest.PutAsync("/api/tag-scopes/db", new JsonObject
        {
            ["policy"] = "namedUsers",
            ["allowedUsers"] = new JsonArray("alice"),
            ["allowedGroups"] = new JsonArray(" engineering ", "Engineering", "/platform/dba", "engineering"),
        });

        saved.Status.ShouldBe(HttpStatusCode.OK, saved.Text);
        Strings(saved.Json!["allowedGroups"]).ShouldBe(["/platform/dba", "Engineering", "engineering"]);
        var db = (await _rest.GetAsync("/api/tag-scopes")).Json!.AsArray().Single(s => s!["tag"]!.GetValue<string>() == "db")!;
        db["policy"]!.GetValue<string>().ShouldBe("namedUsers");
        Strings(db["allowedUsers"]).ShouldBe(["alice"]);
        Strings(db["allowedGroups"]).ShouldBe(["/platform/dba", "Engineering", "engineering"]);

        // Groups alone are enough; the groups are the provider's, so none is looked up.
        var groupsOnly = await _rest.PutAsync("/api/tag-scopes/db", new JsonObject { ["policy"] = "namedUsers", ["allowedGroups"] = new JsonArray("no-such-group-here") });
        groupsOnly.Status.ShouldBe(HttpStatusCode.OK, groupsOnly.Text);
        Strings(groupsOnly.Json!["allowedUsers"]).ShouldBeEmpty();
        Strings(groupsOnly.Json!["allowedGroups"]).ShouldBe(["no-such-group-here"]);

        var reopened = await _rest.PutAsync("/api/tag-scopes/db", new JsonObject { ["policy"] = "allUsers" });
        reopened.Status.ShouldBe(HttpStatusCode.OK, reopened.Text);
        Strings(reopened.Json!["allowedGroups"]).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"policy":"namedUsers","allowedUsers":[],"allowedGroups":[]}""", "allowedUsers", "Name at least one user or group")]
    [InlineData("""{"policy":"adminsOnly","allowedGroups":["engineering"]}""", "allowedGroups", "'allowedGroups' applies only to the 'namedUsers' policy.")]
    [InlineData("""{"policy":"namedUsers","allowedGroups":["engineering",""]}""", "allowedGroups", "Group 2 is not a group name")]
    [InlineData("""{"policy":"namedUsers","allowedGroups":["bell\u0007"]}""", "allowedGroups", "Group 1 is not a group name")]
    [InlineData("""{"policy":"namedUsers","allowedGroups":[null]}""", "allowedGroups", "Group 1 is not a group name")]
    public async Task Put_BadGroups_Answers400ProblemDetailsAndChangesNothing(string body, string field, string message)
    {
        (await _rest.PutAsync("/api/tag-scopes/web", new JsonObject { ["policy"] = "namedUsers", ["allowedGroups"] = new JsonArray("sre") })).Status.ShouldBe(HttpStatusCode.OK);
        var before = (await _rest.GetAsync("/api/tag-scopes")).Text;

        var response = (await _rest.SendRawAsync(HttpMethod.Put, "/api/tag-scopes/web", body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        response.Text.ShouldContain(message, customMessage: response.Text);
        response.ErrorFields.ShouldBe([field]);
        (await _rest.GetAsync("/api/tag-scopes")).Text.ShouldBe(before);
    }

    [Fact]
    public async Task Put_TooManyOrTooLongGroups_Answers400AndChangesNothing()
    {
        var before = (await _rest.GetAsync("/api/tag-scopes")).Text;

        var many = new JsonArray([.. Enumerable.Range(0, 101).Select(i => (JsonNode)$"g{i}")]);
        (await _rest.PutAsync("/api/tag-scopes/web", new JsonObject { ["policy"] = "namedUsers", ["allowedGroups"] = many }))
            .ShouldBeProblem(HttpStatusCode.BadRequest).ErrorFields.ShouldBe(["allowedGroups"]);
        (await _rest.PutAsync("/api/tag-scopes/web", new JsonObject { ["policy"] = "namedUsers", ["allowedGroups"] = new JsonArray(new string('g', 129)) }))
            .ShouldBeProblem(HttpStatusCode.BadRequest).ErrorFields.ShouldBe(["allowedGroups"]);
        (await _rest.SendRawAsync(HttpMethod.Put, "/api/tag-scopes/web", """{"policy":"namedUsers","allowedGroups":"engineering"}"""))
            .ShouldBeProblem(HttpStatusCode.BadRequest).Str("detail")!.ShouldContain("allowedGroups");

        (await _rest.GetAsync("/api/tag-scopes")).Text.ShouldBe(before);
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

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(v => v!.GetValue<string>())];
}
