using FluentValidation;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.TagScopes.Queries;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;
using OneMcp.UnitTests.TestDoubles;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.ControlPlane;

public sealed class TagScopeTests
{
    private readonly InMemoryTagScopeRepository _scopes = new();
    private readonly InMemoryUserRepository _users = new();
    private readonly FixedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FakePool _pool = new(
        Backend.Named("beta").Tagged("web", "db").Connected(Caps.New()),
        Backend.Named("alpha").Tagged("web").Connected(Caps.New()));

    [Fact]
    public async Task List_MergesBackendTagsAndStoredScopes_SortedWithSortedBackends()
    {
        var stored = TagScope.Create(Tag.From("future"), _time.GetUtcNow());
        stored.RestrictToAdmins(_time.GetUtcNow());
        await _scopes.AddAsync(stored, CancellationToken.None);

        var list = await new ListTagScopesHandler(_scopes, _pool).Handle(new ListTagScopesQuery(), CancellationToken.None);

        list.Select(s => s.Tag).ShouldBe(["db", "future", "web"]);
        list[2].Backends.ShouldBe(["alpha", "beta"]);
        list[2].Scope.ShouldBe("tag:web");
        list[2].Policy.ShouldBe(GrantPolicy.AllUsers);
        list[1].Backends.ShouldBeEmpty();
        list[1].Policy.ShouldBe(GrantPolicy.AdminsOnly);
    }

    [Fact]
    public async Task List_ForAGrant_ListsEveryTagButOnlyTheBackendsItReaches()
    {
        var grant = new TagGrant([Tag.From("db")], ScopeMatch.All);

        var list = await new ListTagScopesHandler(_scopes, _pool).Handle(new ListTagScopesQuery(grant), CancellationToken.None);

        list.Select(s => s.Tag).ShouldBe(["db", "web"]);
        list[0].Backends.ShouldBe(["beta"]);
        list[1].Backends.ShouldBe(["beta"]);
    }

    [Theory]
    [InlineData(GrantPolicy.AllUsers)]
    [InlineData(GrantPolicy.AdminsOnly)]
    [InlineData(GrantPolicy.NamedUsers)]
    public async Task Set_MapsEachPolicyToTheAggregate(GrantPolicy policy)
    {
        await _users.AddAsync(User.Create("Alice", "hash", UserRole.Member, _time.GetUtcNow()), CancellationToken.None);
        string[] named = policy == GrantPolicy.NamedUsers ? ["alice"] : [];

        var view = await Set("WEB", new TagScopeEdit { Description = " the web ", Policy = policy, AllowedUsers = named });

        var stored = (await _scopes.FindAsync(Tag.From("web"), CancellationToken.None)).ShouldNotBeNull();
        stored.Policy.ShouldBe(policy);
        stored.Description.ShouldBe("the web");
        stored.AllowedUsers.ShouldBe(policy == GrantPolicy.NamedUsers ? ["Alice"] : []);
        stored.MayBeGrantedBy("alice", isAdmin: false, []).ShouldBe(policy != GrantPolicy.AdminsOnly);
        (view.Tag, view.Scope, view.Description, view.Policy).ShouldBe(("web", "tag:web", "the web", policy));
        view.AllowedUsers.ShouldBe(stored.AllowedUsers);
        view.AllowedGroups.ShouldBeEmpty();
        view.Backends.ShouldBe(["alpha", "beta"]);
    }

    [Fact]
    public async Task Set_NamedGroups_AreStoredAsGivenWithoutLookingThemUp_AndAnotherPolicyClearsThem()
    {
        var view = await Set("web", new TagScopeEdit { Policy = GrantPolicy.NamedUsers, AllowedGroups = [" engineering ", "Engineering", "engineering"] });

        var stored = (await _scopes.FindAsync(Tag.From("web"), CancellationToken.None)).ShouldNotBeNull();
        stored.Policy.ShouldBe(GrantPolicy.NamedUsers);
        stored.AllowedUsers.ShouldBeEmpty();
        stored.AllowedGroups.ShouldBe(["Engineering", "engineering"]);
        view.AllowedGroups.ShouldBe(stored.AllowedGroups);
        stored.MayBeGrantedBy("bob", isAdmin: false, ["engineering"]).ShouldBeTrue();

        var reopened = await Set("web", new TagScopeEdit { Policy = GrantPolicy.AllUsers });

        reopened.AllowedGroups.ShouldBeEmpty();
        (await _scopes.FindAsync(Tag.From("web"), CancellationToken.None))!.AllowedGroups.ShouldBeEmpty();
    }

    [Fact]
    public async Task Set_OnAStoredScope_UpdatesItWithTheLoadedVersion_AndKeepsTheDescriptionWhenAbsent()
    {
        await Set("web", new TagScopeEdit { Description = "kept", Policy = GrantPolicy.AdminsOnly });

        var view = await Set("web", new TagScopeEdit { Policy = GrantPolicy.AllUsers });

        view.Description.ShouldBe("kept");
        view.Policy.ShouldBe(GrantPolicy.AllUsers);
        (await _scopes.ListAsync(CancellationToken.None)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Set_WhenAStoredScopeChangedMeanwhile_ThrowsConcurrencyConflict()
    {
        await Set("web", new TagScopeEdit { Policy = GrantPolicy.AdminsOnly });
        _scopes.BumpOnNextFind = true;

        await Should.ThrowAsync<ConcurrencyConflictException>(() => Set("web", new TagScopeEdit { Policy = GrantPolicy.AllUsers }));
    }

    [Fact]
    public async Task Set_NamingUnknownUsers_FailsValidationNamingEachAndWritesNothing()
    {
        await _users.AddAsync(User.Create("alice", "hash", UserRole.Member, _time.GetUtcNow()), CancellationToken.None);

        var e = await Should.ThrowAsync<ValidationException>(() => Set("web", new TagScopeEdit { Policy = GrantPolicy.NamedUsers, AllowedUsers = ["alice", "nobody", "ghost"] }));

        e.Errors.Select(f => f.ErrorMessage).ShouldBe(["No user named 'nobody' exists.", "No user named 'ghost' exists."]);
        e.Errors.Select(f => f.PropertyName).Distinct().ShouldBe(["allowedUsers"]);
        (await _scopes.ListAsync(CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public void Validator_NamedUsersWithNeitherUsersNorGroups_AsksForOneOfEither()
    {
        var result = new SetTagScopeValidator().Validate(new SetTagScopeCommand("web", new TagScopeEdit { Policy = GrantPolicy.NamedUsers, AllowedUsers = [" "], AllowedGroups = [] }));

        var failure = result.Errors.ShouldHaveSingleItem();
        failure.PropertyName.ShouldBe("allowedUsers");
        failure.ErrorMessage.ShouldBe("Name at least one user or group who may grant this tag, or restrict it to administrators.");
    }

    [Fact]
    public void Validator_NamedUsersWithOnlyGroups_IsValid()
    {
        new SetTagScopeValidator().Validate(new SetTagScopeCommand("web", new TagScopeEdit { Policy = GrantPolicy.NamedUsers, AllowedGroups = ["engineering", "/team/ops"] }))
            .IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData(GrantPolicy.AdminsOnly, "engineering", "'allowedGroups' applies only to the 'namedUsers' policy.")]
    [InlineData(GrantPolicy.AllUsers, "engineering", "'allowedGroups' applies only to the 'namedUsers' policy.")]
    [InlineData(GrantPolicy.NamedUsers, "", "Group 1 is not a group name")]
    [InlineData(GrantPolicy.NamedUsers, "   ", "Group 1 is not a group name")]
    [InlineData(GrantPolicy.NamedUsers, "eng\nineering", "Group 1 is not a group name")]
    [InlineData(GrantPolicy.NamedUsers, "long", "Group 1 is not a group name")]
    [InlineData(GrantPolicy.NamedUsers, "many", "Name at most 100 groups.")]
    public void Validator_RefusesBadGroups(GrantPolicy policy, string group, string message)
    {
        string[] groups = group switch
        {
            "long" => [new string('g', TagScope.MaxGroupLength + 1)],
            "many" => [.. Enumerable.Range(0, TagScope.MaxGroups + 1).Select(i => $"g{i}")],
            _ => [group],
        };

        var result = new SetTagScopeValidator().Validate(new SetTagScopeCommand("web", new TagScopeEdit { Policy = policy, AllowedUsers = policy == GrantPolicy.NamedUsers ? ["alice"] : [], AllowedGroups = groups }));

        var failure = result.Errors.ShouldHaveSingleItem();
        failure.PropertyName.ShouldBe("allowedGroups");
        failure.ErrorMessage.ShouldStartWith(message);
    }

    [Fact]
    public void Validator_AcceptsTheLongestGroupAndTheMostGroups()
    {
        string[] groups = [new string('g', TagScope.MaxGroupLength), .. Enumerable.Range(1, TagScope.MaxGroups - 1).Select(i => $"g{i}")];

        new SetTagScopeValidator().Validate(new SetTagScopeCommand("web", new TagScopeEdit { Policy = GrantPolicy.NamedUsers, AllowedGroups = groups }))
            .IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("bad tag", GrantPolicy.AllUsers, new string[0], "tag")]
    [InlineData("web", (GrantPolicy)42, new string[0], "policy")]
    [InlineData("web", GrantPolicy.NamedUsers, new string[0], "allowedUsers")]
    [InlineData("web", GrantPolicy.AdminsOnly, new[] { "alice" }, "allowedUsers")]
    public void Validator_RefusesBadEdits(string tag, GrantPolicy policy, string[] users, string field)
    {
        var result = new SetTagScopeValidator().Validate(new SetTagScopeCommand(tag, new TagScopeEdit { Policy = policy, AllowedUsers = users }));

        result.Errors.Select(e => e.PropertyName).ShouldContain(field);
    }

    [Fact]
    public void Validator_RefusesAMissingPolicyOrBody()
    {
        new SetTagScopeValidator().Validate(new SetTagScopeCommand("web", new TagScopeEdit())).Errors.Select(e => e.PropertyName).ShouldBe(["policy"]);
        new SetTagScopeValidator().Validate(new SetTagScopeCommand("web", null)).Errors.Select(e => e.PropertyName).ShouldBe(["body"]);
    }

    [Fact]
    public async Task Clients_AMemberSeesOnlyClientsWithTheirGrants_AndUserNamesComeFromTheStore()
    {
        var alice = User.Create("alice", "hash", UserRole.Member, _time.GetUtcNow());
        await _users.AddAsync(alice, CancellationToken.None);
        var grants = new RecordingGrantDirectory();
        grants.Add(new OAuthClientRecord("c1", "Client one", "public", ["http://127.0.0.1/cb"], [
            new OAuthGrantRecord("g1", "c1", alice.Id.ToString(), ["tag:web", "offline_access"], _time.GetUtcNow()),
            new OAuthGrantRecord("g2", "c1", "someone-else", ["tag:db"], _time.GetUtcNow())]));
        grants.Add(new OAuthClientRecord("c2", null, null, [], [new OAuthGrantRecord("g3", "c2", "someone-else", [], null)]));
        var handler = new ListClientsHandler(grants, _users);

        var all = await handler.Handle(new ListClientsQuery(null), CancellationToken.None);
        var own = await handler.Handle(new ListClientsQuery(alice.Id.ToString()), CancellationToken.None);

        all.Select(c => c.ClientId).ShouldBe(["c1", "c2"]);
        all[1].Name.ShouldBe("c2");
        all[1].Type.ShouldBe("public");
        all[0].Grants.Select(g => g.UserName).ShouldBe(["alice", null]);
        all[0].Grants[0].Scopes.ShouldBe(["offline_access", "tag:web"]);
        own.ShouldHaveSingleItem().Grants.ShouldHaveSingleItem().Id.ShouldBe("g1");
    }

    [Fact]
    public async Task RevokeGrant_AMemberMayRevokeOnlyTheirOwn_OthersAreNotFound()
    {
        var grants = new RecordingGrantDirectory();
        grants.Add(new OAuthClientRecord("c1", "one", "public", [], [
            new OAuthGrantRecord("mine", "c1", "me", [], null),
            new OAuthGrantRecord("theirs", "c1", "them", [], null)]));
        var handler = new RevokeGrantHandler(grants);

        await Should.ThrowAsync<NotFoundException>(() => handler.Handle(new RevokeGrantCommand("theirs", "me"), CancellationToken.None));
        await Should.ThrowAsync<NotFoundException>(() => handler.Handle(new RevokeGrantCommand("unknown", null), CancellationToken.None));
        await handler.Handle(new RevokeGrantCommand("mine", "me"), CancellationToken.None);
        await handler.Handle(new RevokeGrantCommand("theirs", null), CancellationToken.None);

        grants.RevokedGrants.ShouldBe(["mine", "theirs"]);
        await Should.ThrowAsync<NotFoundException>(() => handler.Handle(new RevokeGrantCommand("mine", null), CancellationToken.None));
    }

    private Task<Application.TagScopes.TagScopeView> Set(string tag, TagScopeEdit edit) =>
        new SetTagScopeHandler(_scopes, _users, _pool, _time).Handle(new SetTagScopeCommand(tag, edit), CancellationToken.None);
}

/// <summary>An in-memory <see cref="ITagScopeRepository"/> with the contract's rules (one scope per tag, optimistic concurrency).</summary>
internal sealed class InMemoryTagScopeRepository : ITagScopeRepository
{
    private readonly InMemoryAggregates<TagScope> _rows = new("tag scope", Copy);

    /// <summary>Simulates another writer: the next find is followed by a change of the stored row.</summary>
    public bool BumpOnNextFind { get; set; }

    public Task<IReadOnlyList<TagScope>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_rows.All());

    public Task<TagScope?> FindAsync(Tag tag, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.Find(s => s.Tag == tag, stored =>
        {
            if (!BumpOnNextFind)
            {
                return null;
            }

            BumpOnNextFind = false;
            stored.Describe("changed by someone else", DateTimeOffset.UnixEpoch);
            return stored;
        }));

    public Task AddAsync(TagScope scope, CancellationToken cancellationToken)
    {
        _rows.Add(scope, scope.Tag.Value, s => s.Tag == scope.Tag);
        return Task.CompletedTask;
    }

    /// <summary>Simulates writers that always get there first: every update is refused as a conflict.</summary>
    public bool AlwaysConflicts { get; set; }

    public Task UpdateAsync(TagScope scope, CancellationToken cancellationToken)
    {
        if (AlwaysConflicts)
        {
            throw new ConcurrencyConflictException("tag scope", scope.Id, scope.Tag.Value);
        }

        _rows.Update(scope);
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(_rows.Remove(id));

    private static TagScope Copy(TagScope s) => TagScope.Restore(s.Id, s.Tag, s.Description, s.Policy, [.. s.AllowedUsers], [.. s.AllowedGroups], s.Version, s.CreatedAt, s.UpdatedAt);
}
