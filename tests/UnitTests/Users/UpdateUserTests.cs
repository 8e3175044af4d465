using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Users;
using OneMcp.Application.Users.Commands;
using OneMcp.Domain.Users;
using OneMcp.Application.Connections;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.Connections;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Users;

public sealed class UpdateUserTests
{
    private readonly InMemoryUserRepository _users = new();
    private readonly RecordingGrantDirectory _grants = new();
    private readonly FixedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly RecordingInstances _instances = new();
    private readonly RecordingChangeFeed _feed = new();
    private readonly InMemoryUserConnectionStore _connections;

    public UpdateUserTests() => _connections = new InMemoryUserConnectionStore(_time);

    [Fact]
    public async Task Update_WhenDemotingTheLastEnabledAdmin_ThrowsLastAdminAndWritesNothing()
    {
        await Seed("alice", UserRole.Admin);
        await Seed("bob", UserRole.Member);
        var other = await Seed("carol", UserRole.Admin);
        await Handle("carol", new UserEdit { Disabled = true });
        var writes = _users.Writes;

        var e = await Should.ThrowAsync<LastAdminException>(() => Handle("alice", new UserEdit { Role = "member" }));

        e.UserName.ShouldBe("alice");
        await Should.ThrowAsync<LastAdminException>(() => Handle("alice", new UserEdit { Disabled = true }));
        await Should.ThrowAsync<LastAdminException>(() => Handle("alice", new UserEdit { Role = "member", Disabled = false }));
        _users.Writes.ShouldBe(writes);
        _grants.RevokedSubjects.ShouldBe([other.Id.ToString()]);
    }

    [Fact]
    public async Task Update_WhenDisablingTheLastEnabledAdmin_TheErrorSaysDisablingNeedsAnotherAdmin()
    {
        await Seed("alice", UserRole.Admin);

        var e = await Should.ThrowAsync<LastAdminException>(() => Handle("alice", new UserEdit { Disabled = true }));

        e.Message.ShouldBe("'alice' is the last enabled admin; add another admin before removing, demoting or disabling it.");
    }

    [Fact]
    public async Task Update_WhenAnotherAdminIsEnabled_DemotesAndRevokesTheUsersGrants()
    {
        var alice = await Seed("alice", UserRole.Admin);
        await Seed("carol", UserRole.Admin);

        var view = await Handle("ALICE", new UserEdit { Role = "member" });

        view.Role.ShouldBe("member");
        view.UpdatedAt.ShouldBe(_time.GetUtcNow());
        (await _users.FindByNameAsync("alice", CancellationToken.None))!.Role.ShouldBe(UserRole.Member);
        _grants.RevokedSubjects.ShouldBe([alice.Id.ToString()]);
    }

    [Fact]
    public async Task Update_DisablingAMember_RevokesTheirGrants_EnablingAgainRevokesNothing()
    {
        var bob = await Seed("bob", UserRole.Member);

        (await Handle("bob", new UserEdit { Disabled = true })).Disabled.ShouldBeTrue();
        (await Handle("bob", new UserEdit { Disabled = false })).Disabled.ShouldBeFalse();

        _grants.RevokedSubjects.ShouldBe([bob.Id.ToString()]);
    }

    [Fact]
    public async Task Update_DisablingAUser_DeletesTheirConnections_AndStopsTheirInstances_EnablingKeepsWhatIsLeft()
    {
        var bob = ConnectionOwner.Of((await Seed("bob", UserRole.Member)).Id);
        var carol = ConnectionOwner.Of((await Seed("carol", UserRole.Member)).Id);
        var secret = new Dictionary<string, string> { ["API_KEY"] = "k" };
        await _connections.SetSecretsAsync(ServerName.From("db"), bob, secret, setFor: null, CancellationToken.None);
        await _connections.SetSecretsAsync(ServerName.From("db"), carol, secret, setFor: null, CancellationToken.None);

        await Handle("bob", new UserEdit { Disabled = true });
        await Handle("bob", new UserEdit { Disabled = false });
        await Handle("carol", new UserEdit { Role = "admin" });

        (await _connections.ListAsync(null, null, CancellationToken.None)).Select(c => c.Owner).ShouldBe([carol]);
        _instances.Released.ShouldBe([(null, bob)]);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.UserConnections, "*/" + bob.Key)]);
    }

    [Fact]
    public async Task Update_PromotingOrChangingNothing_RevokesNothing()
    {
        await Seed("bob", UserRole.Member);
        var writes = _users.Writes;

        await Handle("bob", new UserEdit { Disabled = false });
        (await Handle("bob", new UserEdit { Role = "admin" })).Role.ShouldBe("admin");

        _users.Writes.ShouldBe(writes + 1);
        _grants.RevokedSubjects.ShouldBeEmpty();
    }

    [Fact]
    public async Task Update_WhenTheUserDoesNotExist_ThrowsNotFound() =>
        await Should.ThrowAsync<NotFoundException>(() => Handle("nobody", new UserEdit { Disabled = true }));

    [Theory]
    [InlineData("alice", null, null, "body")]
    [InlineData("alice", "root", null, "role")]
    [InlineData("bad name", "admin", null, "userName")]
    public void Validator_RefusesBadEdits(string name, string? role, bool? disabled, string field)
    {
        var result = new UpdateUserValidator().Validate(new UpdateUserCommand(name, new UserEdit { Role = role, Disabled = disabled }));

        result.Errors.Select(e => e.PropertyName).ShouldContain(field);
    }

    [Fact]
    public void Validator_AcceptsEitherField()
    {
        new UpdateUserValidator().Validate(new UpdateUserCommand("alice", new UserEdit { Role = "Admin" })).IsValid.ShouldBeTrue();
        new UpdateUserValidator().Validate(new UpdateUserCommand("alice", new UserEdit { Disabled = true })).IsValid.ShouldBeTrue();
        new UpdateUserValidator().Validate(new UpdateUserCommand("alice", null)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task Update_AProviderUser_MayBePromotedAndDisabled_AndStaysAProviderUser()
    {
        await Seed("alice", UserRole.Admin);
        var bob = User.CreateFromProvider("bob", "https://idp.example#bob", ["sre"], UserRole.Member, _time.GetUtcNow());
        await _users.AddAsync(bob, CancellationToken.None);

        var promoted = await Handle("bob", new UserEdit { Role = "admin" });
        var disabled = await Handle("bob", new UserEdit { Disabled = true });

        promoted.Role.ShouldBe("admin");
        disabled.Disabled.ShouldBeTrue();
        disabled.Source.ShouldBe(UserView.ProviderSource);
        disabled.Groups.ShouldBe(["sre"]);
        _grants.RevokedSubjects.ShouldBe([bob.Id.ToString()]);
    }

    private async Task<User> Seed(string name, UserRole role)
    {
        var user = User.Create(name, "hash", role, _time.GetUtcNow());
        await _users.AddAsync(user, CancellationToken.None);
        return user;
    }

    private Task<UserView> Handle(string name, UserEdit edit) =>
        new UpdateUserHandler(_users, _grants, _connections, new UserConnectionChanges(_instances, _feed), _time).Handle(new UpdateUserCommand(name, edit), CancellationToken.None);
}
