using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Users;
using OneMcp.Application.Users.Commands;
using OneMcp.Application.Users.Queries;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;
using OneMcp.Application.Connections;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.UnitTests.Connections;
using OneMcp.UnitTests.ControlPlane;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Users;

public sealed class UserHandlerTests
{
    private const string Password = "correct horse battery";

    private readonly InMemoryUserRepository _users = new();
    private readonly FakePasswordHasher _hasher = new();
    private readonly FixedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly RecordingLogger<EnsureAdminFromEnvironmentHandler> _log = new();
    private readonly RecordingGrantDirectory _grants = new();
    private readonly RecordingInstances _instances = new();
    private readonly RecordingChangeFeed _feed = new();
    private readonly InMemoryUserConnectionStore _connections;
    private readonly InMemoryTagScopeRepository _tagScopes = new();

    public UserHandlerTests() => _connections = new InMemoryUserConnectionStore(_time);

    [Fact]
    public async Task Add_StoresTheHashNotThePassword_AndReturnsTheUserWithoutIt()
    {
        var view = await Add("alice", Password, "admin");

        view.ShouldBe(new UserView("alice", "admin", false, _time.GetUtcNow(), _time.GetUtcNow(), UserView.LocalSource, view.Groups));
        view.Groups.ShouldBeEmpty();
        var stored = _users.Snapshot().ShouldHaveSingleItem();
        stored.PasswordHash.ShouldBe(_hasher.Hash(Password));
        stored.PasswordHash.ShouldNotContain(Password);
        stored.Role.ShouldBe(UserRole.Admin);
    }

    [Fact]
    public async Task Add_WhenTheNameIsTakenInAnyCase_RefusesAndWritesNothing()
    {
        await Add("alice", Password, "member");

        var e = await Should.ThrowAsync<DuplicateNameException>(() => Add("ALICE", "another password", "admin"));

        e.Message.ShouldBe("A user named 'ALICE' already exists.");
        _users.Writes.ShouldBe(1);
    }

    [Fact]
    public async Task List_ShowsEveryUserByNameWithRoleAndNoHash()
    {
        await Add("bob", Password, "member");
        await Add("alice", Password, "admin");

        var users = await new ListUsersHandler(_users).Handle(new ListUsersQuery(), CancellationToken.None);

        users.Select(u => (u.UserName, u.Role)).ShouldBe([("alice", "admin"), ("bob", "member")]);
        typeof(UserView).GetProperties().Select(p => p.Name).ShouldNotContain(name => name.Contains("Hash", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Remove_DeletesAMember_AndRevokesTheirGrants()
    {
        await Add("alice", Password, "admin");
        await Add("bob", Password, "member");

        var bob = _users.Snapshot().Single(u => u.UserName == "bob");

        await RemoveHandler().Handle(new RemoveUserCommand("bob"), CancellationToken.None);

        _users.Snapshot().ShouldHaveSingleItem().UserName.ShouldBe("alice");
        _grants.RevokedSubjects.ShouldBe([bob.Id.ToString()]);
    }

    [Fact]
    public async Task Remove_TakesTheNameOutOfTagScopes_SoWhoeverGetsTheNameNextCannotGrantThem()
    {
        await Add("alice", Password, "admin");
        await Add("bob", Password, "member");
        await Add("carol", Password, "member");
        var db = await KeptToAsync("db", ["Bob", "carol"], []);
        var ops = await KeptToAsync("ops", ["bob"], ["oncall"]);
        var prod = await KeptToAsync("prod", ["bob"], []);

        await RemoveHandler().Handle(new RemoveUserCommand("bob"), CancellationToken.None);
        await Add("bob", Password, "member");

        var scopes = (await _tagScopes.ListAsync(CancellationToken.None)).ToDictionary(s => s.Tag.Value);
        scopes["db"].AllowedUsers.ShouldBe(["carol"]);
        scopes["ops"].AllowedUsers.ShouldBeEmpty();
        scopes["ops"].AllowedGroups.ShouldBe(["oncall"]);
        scopes["prod"].Policy.ShouldBe(GrantPolicy.AdminsOnly); // named nobody any more: administrators, not everyone
        foreach (var tag in new[] { db, ops, prod })
        {
            scopes[tag].MayBeGrantedBy("bob", isAdmin: false, []).ShouldBeFalse(tag);
        }
    }

    [Fact]
    public async Task Remove_DeletesTheUsersConnections_AndStopsTheirInstances_AfterTheUserIsGone()
    {
        await Add("alice", Password, "admin");
        await Add("bob", Password, "member");
        var bob = ConnectionOwner.Of(_users.Snapshot().Single(u => u.UserName == "bob").Id);
        var alice = ConnectionOwner.Of(_users.Snapshot().Single(u => u.UserName == "alice").Id);
        var secret = new Dictionary<string, string> { ["API_KEY"] = "k" };
        await _connections.SetSecretsAsync(ServerName.From("db"), bob, secret, setFor: null, CancellationToken.None);
        await _connections.SetSecretsAsync(ServerName.From("gh"), bob, secret, setFor: null, CancellationToken.None);
        await _connections.SetSecretsAsync(ServerName.From("db"), alice, secret, setFor: null, CancellationToken.None);

        await RemoveHandler().Handle(new RemoveUserCommand("bob"), CancellationToken.None);

        (await _connections.ListAsync(null, null, CancellationToken.None)).Select(c => c.Owner).ShouldBe([alice]);
        _instances.Released.ShouldBe([(null, bob)]);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.UserConnections, "*/" + bob.Key)]);
    }

    [Fact]
    public async Task Remove_WhenATagScopeKeepsChangingUnderIt_StillDeletesTheConnectionsAndStopsTheInstances()
    {
        await Add("alice", Password, "admin");
        await Add("bob", Password, "member");
        var bob = ConnectionOwner.Of(_users.Snapshot().Single(u => u.UserName == "bob").Id);
        await _connections.SetSecretsAsync(ServerName.From("db"), bob, new Dictionary<string, string> { ["API_KEY"] = "k" }, setFor: null, CancellationToken.None);
        await KeptToAsync("db", ["bob"], []);
        _tagScopes.AlwaysConflicts = true;

        await Should.ThrowAsync<ConcurrencyConflictException>(() => RemoveHandler().Handle(new RemoveUserCommand("bob"), CancellationToken.None));

        // The removal happened and cannot be asked again (bob is not found): his credentials went with it.
        _users.Snapshot().ShouldNotContain(u => u.UserName == "bob");
        (await _connections.ListAsync(null, bob, CancellationToken.None)).ShouldBeEmpty();
        _instances.Released.ShouldBe([(null, bob)]);
    }

    [Fact]
    public async Task Remove_Refused_KeepsTheConnections()
    {
        await Add("alice", Password, "admin");
        var alice = ConnectionOwner.Of(_users.Snapshot().Single().Id);
        await _connections.SetSecretsAsync(ServerName.From("db"), alice, new Dictionary<string, string> { ["API_KEY"] = "k" }, setFor: null, CancellationToken.None);

        await Should.ThrowAsync<LastAdminException>(() => RemoveHandler().Handle(new RemoveUserCommand("alice"), CancellationToken.None));

        (await _connections.ListAsync(null, alice, CancellationToken.None)).ShouldHaveSingleItem();
        _instances.Released.ShouldBeEmpty();
        _feed.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task Remove_TheLastEnabledAdmin_IsRefused()
    {
        await Add("alice", Password, "admin");
        await Add("bob", Password, "member");

        var e = await Should.ThrowAsync<LastAdminException>(() => RemoveHandler().Handle(new RemoveUserCommand("alice"), CancellationToken.None));

        e.Message.ShouldContain("last enabled admin");
        _users.Snapshot().Count.ShouldBe(2);
    }

    [Fact]
    public async Task Remove_AnAdmin_WhenAnotherEnabledAdminRemains_Succeeds()
    {
        await Add("alice", Password, "admin");
        await Add("carol", Password, "admin");

        await RemoveHandler().Handle(new RemoveUserCommand("alice"), CancellationToken.None);

        _users.Snapshot().ShouldHaveSingleItem().UserName.ShouldBe("carol");
    }

    [Fact]
    public async Task Remove_AnAdmin_WhenTheOnlyOtherAdminIsDisabled_IsRefused()
    {
        await Add("alice", Password, "admin");
        await Add("carol", Password, "admin");
        var carol = (await _users.FindByNameAsync("carol", CancellationToken.None))!;
        carol.Disable(_time.GetUtcNow());
        await _users.UpdateAsync(carol, CancellationToken.None);

        await Should.ThrowAsync<LastAdminException>(() => RemoveHandler().Handle(new RemoveUserCommand("alice"), CancellationToken.None));
    }

    [Fact]
    public async Task Remove_AnUnknownUser_IsNotFound()
    {
        await Should.ThrowAsync<NotFoundException>(() => RemoveHandler().Handle(new RemoveUserCommand("nobody"), CancellationToken.None));
    }

    [Fact]
    public async Task SetPassword_ReplacesTheHashAndBumpsTheVersion()
    {
        await Add("alice", Password, "admin");

        await new SetPasswordHandler(_users, _hasher, _grants, _time).Handle(new SetPasswordCommand("alice", "a new long password"), CancellationToken.None);

        var stored = _users.Snapshot().ShouldHaveSingleItem();
        stored.PasswordHash.ShouldBe(_hasher.Hash("a new long password"));
        stored.Version.ShouldBe(2);
    }

    [Fact]
    public async Task SetPassword_WhenTheUserExists_RevokesTheirGrantsAndChangesTheirStamp()
    {
        await Add("alice", Password, "admin");
        var before = PasswordStamp.Of(_users.Snapshot().Single());

        await new SetPasswordHandler(_users, _hasher, _grants, _time).Handle(new SetPasswordCommand("alice", "a new long password"), CancellationToken.None);

        var stored = _users.Snapshot().Single();
        _grants.RevokedSubjects.ShouldBe([stored.Id.ToString()]);
        PasswordStamp.Of(stored).ShouldNotBe(before);
    }

    [Fact]
    public async Task List_SaysWhereEachUserSignsIn_AndTheProviderUsersGroups()
    {
        await Add("alice", Password, "admin");
        await _users.AddAsync(User.CreateFromProvider("bob", "https://idp.example#bob", ["sre", "dev"], UserRole.Member, _time.GetUtcNow()), CancellationToken.None);

        var users = await new ListUsersHandler(_users).Handle(new ListUsersQuery(), CancellationToken.None);

        users.Select(u => (u.UserName, u.Source)).ShouldBe([("alice", UserView.LocalSource), ("bob", UserView.ProviderSource)]);
        users[0].Groups.ShouldBeEmpty();
        users[1].Groups.ShouldBe(["dev", "sre"]);
    }

    [Fact]
    public async Task SetPassword_ForAProviderUser_IsRefusedAndChangesNothing()
    {
        var bob = User.CreateFromProvider("bob", "https://idp.example#bob", ["sre"], UserRole.Member, _time.GetUtcNow());
        await _users.AddAsync(bob, CancellationToken.None);
        var writes = _users.Writes;

        var e = await Should.ThrowAsync<DomainException>(() =>
            new SetPasswordHandler(_users, _hasher, _grants, _time).Handle(new SetPasswordCommand("bob", "a new long password"), CancellationToken.None));

        e.Code.ShouldBe("user.external_password");
        e.Message.ShouldBe("'bob' signs in with the identity provider and has no password here.");
        _users.Writes.ShouldBe(writes);
        _grants.RevokedSubjects.ShouldBeEmpty();
        var stored = _users.Snapshot().ShouldHaveSingleItem();
        stored.HasPassword.ShouldBeFalse();
        stored.Version.ShouldBe(1);
    }

    [Fact]
    public async Task SetPassword_ForAnUnknownUser_IsNotFound()
    {
        await Should.ThrowAsync<NotFoundException>(() =>
            new SetPasswordHandler(_users, _hasher, _grants, _time).Handle(new SetPasswordCommand("nobody", Password), CancellationToken.None));
    }

    [Fact]
    public async Task EnsureAdmin_WhenNothingIsSet_DoesNothing()
    {
        (await EnsureAdmin(null, null)).ShouldBe(EnsureAdminOutcome.NotConfigured);

        _users.Writes.ShouldBe(0);
    }

    [Fact]
    public async Task EnsureAdmin_WhenTheUserIsMissing_CreatesAnAdminAndNeverLogsThePassword()
    {
        (await EnsureAdmin("root", Password)).ShouldBe(EnsureAdminOutcome.Created);

        var stored = _users.Snapshot().ShouldHaveSingleItem();
        stored.Role.ShouldBe(UserRole.Admin);
        stored.PasswordHash.ShouldBe(_hasher.Hash(Password));
        _log.Lines.ShouldHaveSingleItem().ShouldContain("Created the admin user 'root'");
        _log.Lines.ShouldAllBe(line => !line.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnsureAdmin_WhenTheUserExists_LeavesItAloneAndSaysTheVariablesWereIgnored()
    {
        await Add("root", "the changed password", "admin");

        (await EnsureAdmin("ROOT", Password)).ShouldBe(EnsureAdminOutcome.AlreadyExists);

        _users.Snapshot().ShouldHaveSingleItem().PasswordHash.ShouldBe(_hasher.Hash("the changed password"));
        _users.Writes.ShouldBe(1);
        var line = _log.Lines.ShouldHaveSingleItem();
        line.ShouldContain("ignored");
        line.ShouldNotContain(Password);
    }

    private Task<UserView> Add(string name, string password, string role) =>
        new AddUserHandler(_users, _hasher, _time).Handle(new AddUserCommand { UserName = name, Password = password, Role = role }, CancellationToken.None);

    private Task<EnsureAdminOutcome> EnsureAdmin(string? userName, string? password) =>
        new EnsureAdminFromEnvironmentHandler(_users, _hasher, _time, _log).Handle(new EnsureAdminFromEnvironmentCommand(userName, password), CancellationToken.None);

    private async Task<string> KeptToAsync(string tag, string[] users, string[] groups)
    {
        var scope = TagScope.Create(Tag.From(tag), _time.GetUtcNow());
        scope.RestrictToUsers(users, groups, _time.GetUtcNow());
        await _tagScopes.AddAsync(scope, CancellationToken.None);
        return tag;
    }

    private RemoveUserHandler RemoveHandler() => new(_users, _grants, _connections, new UserConnectionChanges(_instances, _feed), _tagScopes, _time);
}
