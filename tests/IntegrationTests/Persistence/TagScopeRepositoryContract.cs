using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.TagScopes;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

public abstract class TagScopeRepositoryContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private TagScopeRepository Repository => new(Factory);

    [Fact]
    public async Task Add_ThenFind_RoundTripsEveryField()
    {
        var scope = TagScope.Create(Tag.From("Team.A"), T0);
        scope.Describe("  Servers of team A – " + NonAscii + "  ", T0.AddTicks(3));
        scope.RestrictToUsers(["bob", "Alice", "alice", " carol "], ["engineering", " Engineering ", "engineering", "/platform/" + NonAscii], T0.AddTicks(5));
        await Repository.AddAsync(scope, Ct);

        var loaded = (await Repository.FindAsync(Tag.From("team.a"), Ct)).ShouldNotBeNull();

        loaded.Id.ShouldBe(scope.Id);
        loaded.Tag.ShouldBe(Tag.From("team.a"));
        loaded.Description.ShouldBe("Servers of team A – " + NonAscii);
        loaded.Policy.ShouldBe(GrantPolicy.NamedUsers);
        loaded.AllowedUsers.ShouldBe(scope.AllowedUsers);
        loaded.AllowedGroups.ShouldBe(["/platform/" + NonAscii, "Engineering", "engineering"]);
        loaded.AllowedGroups.ShouldBe(scope.AllowedGroups);
        loaded.Version.ShouldBe(3);
        ShouldBeStored(loaded.CreatedAt, T0);
        ShouldBeStored(loaded.UpdatedAt, T0.AddTicks(5));
    }

    [Fact]
    public async Task Add_Defaults_RoundTripEmptyDescriptionAndNoUsers()
    {
        var scope = TagScope.Create(Tag.From("plain"), T0);
        await Repository.AddAsync(scope, Ct);

        var loaded = (await Repository.FindAsync(Tag.From("plain"), Ct))!;

        loaded.Description.ShouldBe("");
        loaded.Policy.ShouldBe(GrantPolicy.AllUsers);
        loaded.AllowedUsers.ShouldBeEmpty();
        loaded.AllowedGroups.ShouldBeEmpty();
        (await Repository.FindAsync(Tag.From("other"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Update_StoresTheAllowedGroups_AndAnotherPolicyClearsThem()
    {
        var scope = TagScope.Create(Tag.From("prod"), T0);
        await Repository.AddAsync(scope, Ct);

        var named = (await Repository.FindAsync(scope.Tag, Ct))!;
        named.RestrictToUsers([], ["sre", "dba"], T0.AddSeconds(1));
        await Repository.UpdateAsync(named, Ct);
        var loaded = (await Repository.FindAsync(scope.Tag, Ct))!;
        loaded.Policy.ShouldBe(GrantPolicy.NamedUsers);
        loaded.AllowedUsers.ShouldBeEmpty();
        loaded.AllowedGroups.ShouldBe(["dba", "sre"]);
        loaded.MayBeGrantedBy("bob", isAdmin: false, ["sre"]).ShouldBeTrue();

        loaded.RestrictToAdmins(T0.AddSeconds(2));
        await Repository.UpdateAsync(loaded, Ct);
        (await Repository.FindAsync(scope.Tag, Ct))!.AllowedGroups.ShouldBeEmpty();
    }

    [Fact]
    public async Task Update_WhenStale_ThrowsAndChangesNothing_WhileAFreshUpdateWins()
    {
        var scope = TagScope.Create(Tag.From("ops"), T0);
        await Repository.AddAsync(scope, Ct);
        var first = (await Repository.FindAsync(scope.Tag, Ct))!;
        var second = (await Repository.FindAsync(scope.Tag, Ct))!;

        first.RestrictToAdmins(T0.AddSeconds(1));
        await Repository.UpdateAsync(first, Ct);
        second.Describe("stale", T0.AddSeconds(2));
        await Should.ThrowAsync<ConcurrencyConflictException>(() => Repository.UpdateAsync(second, Ct));

        var stored = (await Repository.FindAsync(scope.Tag, Ct))!;
        stored.Policy.ShouldBe(GrantPolicy.AdminsOnly);
        stored.Description.ShouldBe("");
        stored.Version.ShouldBe(2);
        ShouldBeStored(stored.UpdatedAt, T0.AddSeconds(1));
    }

    [Fact]
    public async Task Add_WhenTagTaken_ThrowsDuplicateName()
    {
        await Repository.AddAsync(TagScope.Create(Tag.From("dup"), T0), Ct);

        var error = await Should.ThrowAsync<DuplicateNameException>(() => Repository.AddAsync(TagScope.Create(Tag.From("DUP"), T0), Ct));
        error.Name.ShouldBe("dup");
    }

    [Fact]
    public async Task Remove_ReturnsTrueOnceThenFalse()
    {
        var scope = TagScope.Create(Tag.From("bye"), T0);
        await Repository.AddAsync(scope, Ct);

        (await Repository.RemoveAsync(scope.Id, Ct)).ShouldBeTrue();
        (await Repository.RemoveAsync(scope.Id, Ct)).ShouldBeFalse();
        (await Repository.FindAsync(scope.Tag, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task List_OrdersByTag()
    {
        foreach (var tag in new[] { "web", "api", "_x", "9", "api-v2", "api.v1" })
        {
            await Repository.AddAsync(TagScope.Create(Tag.From(tag), T0), Ct);
        }

        (await Repository.ListAsync(Ct)).Select(s => s.Tag.Value).ShouldBe(["9", "_x", "api", "api-v2", "api.v1", "web"]);
    }
}
