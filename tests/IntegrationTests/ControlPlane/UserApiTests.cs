using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Domain.Users;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>Users through the REST API with auth off (every call open): the use cases of <c>onemcp users</c>, plus PATCH.</summary>
public sealed class UserApiTests : IAsyncLifetime
{
    private const string Password = "a long enough password";

    private GatewayUnderTest _gateway = null!;
    private RestClient _rest = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])));
        _rest = new RestClient(_gateway);
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Users_AddListPatchPasswordDelete_RoundTrip()
    {
        var created = await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "alice", ["password"] = Password, ["role"] = "admin" });
        created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
        created.Str("userName").ShouldBe("alice");
        created.Str("role").ShouldBe("admin");
        created.Json!["disabled"]!.GetValue<bool>().ShouldBeFalse();
        created.Text.ShouldNotContain(Password);
        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "bob", ["password"] = Password })).Status.ShouldBe(HttpStatusCode.Created);

        var list = await _rest.GetAsync("/api/users");
        list.Status.ShouldBe(HttpStatusCode.OK);
        list.Json!.AsArray().Select(u => u!["userName"]!.GetValue<string>()).ShouldBe(["alice", "bob"]);
        list.Json!.AsArray()[1]!["role"]!.GetValue<string>().ShouldBe("member");
        list.Json!.AsArray().ShouldAllBe(u => u!["source"]!.GetValue<string>() == "local" && u["groups"]!.AsArray().Count == 0);
        list.Text.ShouldNotContain("hash", Case.Insensitive);

        var promoted = await _rest.PatchAsync("/api/users/bob", new JsonObject { ["role"] = "admin" });
        promoted.Status.ShouldBe(HttpStatusCode.OK, promoted.Text);
        promoted.Str("role").ShouldBe("admin");
        var disabled = await _rest.PatchAsync("/api/users/bob", new JsonObject { ["disabled"] = true });
        disabled.Status.ShouldBe(HttpStatusCode.OK, disabled.Text);
        disabled.Json!["disabled"]!.GetValue<bool>().ShouldBeTrue();
        disabled.Str("role").ShouldBe("admin");

        (await _rest.PostAsync("/api/users/bob/password", new JsonObject { ["password"] = "another long password" })).Status.ShouldBe(HttpStatusCode.NoContent);
        (await _rest.DeleteAsync("/api/users/bob")).Status.ShouldBe(HttpStatusCode.NoContent);

        (await _rest.GetAsync("/api/users")).Json!.AsArray().Select(u => u!["userName"]!.GetValue<string>()).ShouldBe(["alice"]);
        (await _rest.DeleteAsync("/api/users/bob")).ShouldBeProblem(HttpStatusCode.NotFound);
        (await _rest.PatchAsync("/api/users/bob", new JsonObject { ["disabled"] = false })).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task LastEnabledAdmin_CannotBeDemotedDisabledOrDeleted_409AndNothingChanges()
    {
        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "alice", ["password"] = Password, ["role"] = "admin" })).Status.ShouldBe(HttpStatusCode.Created);
        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "carol", ["password"] = Password, ["role"] = "admin" })).Status.ShouldBe(HttpStatusCode.Created);
        (await _rest.PatchAsync("/api/users/carol", new JsonObject { ["disabled"] = true })).Status.ShouldBe(HttpStatusCode.OK);
        var before = await UsersAsync();

        var demote = (await _rest.PatchAsync("/api/users/alice", new JsonObject { ["role"] = "member" })).ShouldBeProblem(HttpStatusCode.Conflict);
        var disable = (await _rest.PatchAsync("/api/users/alice", new JsonObject { ["disabled"] = true })).ShouldBeProblem(HttpStatusCode.Conflict);
        var delete = (await _rest.DeleteAsync("/api/users/alice")).ShouldBeProblem(HttpStatusCode.Conflict);

        demote.Str("detail")!.ShouldContain("last enabled admin");
        demote.Str("code").ShouldBe("user.last_admin");
        disable.Str("code").ShouldBe("user.last_admin");
        delete.Str("code").ShouldBe("user.last_admin");
        (await UsersAsync()).ShouldBe(before);

        // Once another admin is enabled, the first one may go.
        (await _rest.PatchAsync("/api/users/carol", new JsonObject { ["disabled"] = false })).Status.ShouldBe(HttpStatusCode.OK);
        (await _rest.PatchAsync("/api/users/alice", new JsonObject { ["role"] = "member" })).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("post", "/api/users", """{"userName":"bad name","password":"a long enough password"}""", "userName")]
    [InlineData("post", "/api/users", """{"userName":"dave","password":"short"}""", "password")]
    [InlineData("post", "/api/users", """{"userName":"dave","password":"a long enough password","role":"root"}""", "role")]
    [InlineData("patch", "/api/users/alice", """{"role":"root"}""", "role")]
    [InlineData("patch", "/api/users/alice", """{}""", "body")]
    [InlineData("post", "/api/users/alice/password", """{"password":"short"}""", "password")]
    [InlineData("post", "/api/users/alice/password", """{"password":"alice"}""", "password")]
    public async Task BadInput_Answers400NamingTheFieldAndChangesNothing(string method, string path, string body, string field)
    {
        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "alice", ["password"] = Password, ["role"] = "admin" })).Status.ShouldBe(HttpStatusCode.Created);
        var before = await UsersAsync();

        var response = (await _rest.SendRawAsync(new HttpMethod(method.ToUpperInvariant()), path, body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        response.ErrorFields.ShouldContain(field);
        (await UsersAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task BadInput_UnknownField_Answers400()
    {
        (await _rest.PatchAsync("/api/users/alice", new JsonObject { ["disabld"] = true })).ShouldBeProblem(HttpStatusCode.BadRequest).Str("detail")!.ShouldContain("disabld");
        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "x", ["password"] = Password, ["admin"] = true })).ShouldBeProblem(HttpStatusCode.BadRequest);
        (await _rest.GetAsync("/api/users")).Json!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Add_WhenTheNameIsTaken_Answers409()
    {
        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "alice", ["password"] = Password })).Status.ShouldBe(HttpStatusCode.Created);

        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "ALICE", ["password"] = Password })).ShouldBeProblem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AProviderUser_IsListedWithItsSourceAndGroups_HasNoPasswordToSet_AndMayStillBePromotedAndDisabled()
    {
        (await _rest.PostAsync("/api/users", new JsonObject { ["userName"] = "alice", ["password"] = Password, ["role"] = "admin" })).Status.ShouldBe(HttpStatusCode.Created);
        var users = _gateway.Services.GetRequiredService<IUserRepository>();
        await users.AddAsync(User.CreateFromProvider("bob", "https://idp.example#bob-1", ["sre", "Domain Users"], UserRole.Member, DateTimeOffset.UtcNow), CancellationToken.None);

        var list = (await _rest.GetAsync("/api/users")).Json!.AsArray();
        var bob = list.Single(u => u!["userName"]!.GetValue<string>() == "bob")!;
        bob["source"]!.GetValue<string>().ShouldBe("provider");
        bob["groups"]!.AsArray().Select(g => g!.GetValue<string>()).ShouldBe(["Domain Users", "sre"]);
        list.Single(u => u!["userName"]!.GetValue<string>() == "alice")!["source"]!.GetValue<string>().ShouldBe("local");
        bob.ToJsonString().ShouldNotContain("subject", Case.Insensitive);

        // A password of their own is the provider's business: refused, and nothing changes.
        var before = await UsersAsync();
        var refused = (await _rest.PostAsync("/api/users/bob/password", new JsonObject { ["password"] = "another long password" })).ShouldBeProblem(HttpStatusCode.Conflict);
        refused.Str("code").ShouldBe("user.external_password");
        refused.Str("detail").ShouldBe("'bob' signs in with the identity provider and has no password here.");
        (await UsersAsync()).ShouldBe(before);
        (await users.FindByNameAsync("bob", CancellationToken.None))!.HasPassword.ShouldBeFalse();

        // An admin may still set their role (until their next sign-in) and disable them.
        (await _rest.PatchAsync("/api/users/bob", new JsonObject { ["role"] = "admin" })).Str("role").ShouldBe("admin");
        var disabled = await _rest.PatchAsync("/api/users/bob", new JsonObject { ["disabled"] = true });
        disabled.Status.ShouldBe(HttpStatusCode.OK, disabled.Text);
        disabled.Json!["disabled"]!.GetValue<bool>().ShouldBeTrue();
        disabled.Str("source").ShouldBe("provider");
    }

    // Everything but the timestamps' precision: the whole JSON of the listing.
    private async Task<string> UsersAsync()
    {
        var list = await _rest.GetAsync("/api/users");
        list.Status.ShouldBe(HttpStatusCode.OK);
        return list.Json!.ToJsonString();
    }
}
