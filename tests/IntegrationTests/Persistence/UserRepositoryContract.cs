using OneMcp.Application.Authorization;
using OneMcp.Application.Connections;
using OneMcp.Application.Replication;
using OneMcp.Application.Users.Commands;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

public abstract class UserRepositoryContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private const string Hash = "AQAAAAIAAYagAAAAE+/=hash";

    private UserRepository Repository => new(Factory);

    [Fact]
    public async Task Add_ThenFindByName_RoundTripsEveryField()
    {
        var user = User.Create("Ada.Lovelace@example", Hash, UserRole.Admin, T0);
        user.Disable(T0.AddMilliseconds(1.5));
        await Repository.AddAsync(user, Ct);

        var loaded = (await Repository.FindByNameAsync("Ada.Lovelace@example", Ct)).ShouldNotBeNull();

        loaded.Id.ShouldBe(user.Id);
        loaded.UserName.ShouldBe("Ada.Lovelace@example");
        loaded.PasswordHash.ShouldBe(Hash);
        loaded.Role.ShouldBe(UserRole.Admin);
        loaded.Disabled.ShouldBeTrue();
        loaded.Version.ShouldBe(2);
        ShouldBeStored(loaded.CreatedAt, T0);
        ShouldBeStored(loaded.UpdatedAt, T0.AddMilliseconds(1.5));
    }

    [Fact]
    public async Task ProviderUser_RoundTripsSubjectAndGroups_IsFoundBySubject_AndRefreshesItsGroups()
    {
        var subject = User.ExternalSubjectOf("https://login.example.test/tenant/", "00u-ada");
        var user = User.CreateFromProvider("ada@example.test", subject, ["onemcp-admins", "engineering"], UserRole.Admin, T0);
        await Repository.AddAsync(user, Ct);

        var loaded = (await Repository.FindByExternalSubjectAsync("https://login.example.test/tenant#00u-ada", Ct)).ShouldNotBeNull();
        loaded.Id.ShouldBe(user.Id);
        loaded.UserName.ShouldBe("ada@example.test");
        loaded.HasPassword.ShouldBeFalse();
        loaded.ExternalSubject.ShouldBe(subject);
        loaded.Groups.ShouldBe(["engineering", "onemcp-admins"]);
        loaded.Role.ShouldBe(UserRole.Admin);
        (await Repository.FindByExternalSubjectAsync("https://login.example.test/tenant#00u-bo", Ct)).ShouldBeNull();

        loaded.RefreshFromProvider(["engineering"], UserRole.Member, T0.AddSeconds(1));
        await Repository.UpdateAsync(loaded, Ct);
        var refreshed = (await Repository.FindByNameAsync("ada@example.test", Ct)).ShouldNotBeNull();
        refreshed.Groups.ShouldBe(["engineering"]);
        refreshed.Role.ShouldBe(UserRole.Member);

        // A local user has neither; and one subject is one user, whatever name a second sign-in would pick.
        (await Repository.FindByNameAsync("root", Ct)).ShouldBeNull();
        await Repository.AddAsync(User.Create("root", Hash, UserRole.Admin, T0), Ct);
        var local = (await Repository.FindByNameAsync("root", Ct)).ShouldNotBeNull();
        local.ExternalSubject.ShouldBeNull();
        local.Groups.ShouldBeEmpty();
        await Should.ThrowAsync<DuplicateNameException>(
            () => Repository.AddAsync(User.CreateFromProvider("ada-2", subject, [], UserRole.Member, T0), Ct));
    }

    [Fact]
    public async Task FindByName_IgnoresCaseAndKeepsTheStoredSpelling()
    {
        await Repository.AddAsync(User.Create("MixedCase", Hash, UserRole.Member, T0), Ct);

        var loaded = (await Repository.FindByNameAsync("mIXEDcASE", Ct)).ShouldNotBeNull();
        loaded.UserName.ShouldBe("MixedCase");
        loaded.Role.ShouldBe(UserRole.Member);
        loaded.Disabled.ShouldBeFalse();
        (await Repository.FindByNameAsync("Mixed", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task FindById_ReturnsTheUserOrNull()
    {
        var user = User.Create("by-id", Hash, UserRole.Member, T0);
        await Repository.AddAsync(user, Ct);

        (await Repository.FindByIdAsync(user.Id, Ct)).ShouldNotBeNull().UserName.ShouldBe("by-id");
        (await Repository.FindByIdAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Add_WhenNameTakenInAnyCase_ThrowsDuplicateName()
    {
        await Repository.AddAsync(User.Create("root", Hash, UserRole.Admin, T0), Ct);

        var error = await Should.ThrowAsync<DuplicateNameException>(() => Repository.AddAsync(User.Create("ROOT", Hash, UserRole.Member, T0), Ct));
        error.Name.ShouldBe("ROOT");
        (await Repository.CountAsync(Ct)).ShouldBe(1);
    }

    [Fact]
    public async Task Update_WhenStale_ThrowsAndChangesNothing_WhileAFreshUpdateWins()
    {
        var user = User.Create("eve", Hash, UserRole.Member, T0);
        await Repository.AddAsync(user, Ct);
        var first = (await Repository.FindByNameAsync("eve", Ct))!;
        var second = (await Repository.FindByNameAsync("eve", Ct))!;

        first.SetPasswordHash("new-hash", T0.AddSeconds(1));
        first.ChangeRole(UserRole.Admin, T0.AddSeconds(1));
        await Repository.UpdateAsync(first, Ct);
        second.Disable(T0.AddSeconds(2));
        await Should.ThrowAsync<ConcurrencyConflictException>(() => Repository.UpdateAsync(second, Ct));

        var stored = (await Repository.FindByNameAsync("eve", Ct))!;
        stored.PasswordHash.ShouldBe("new-hash");
        stored.Role.ShouldBe(UserRole.Admin);
        stored.Disabled.ShouldBeFalse();
        stored.Version.ShouldBe(3);
    }

    [Fact]
    public async Task Add_ThenUpdateTwice_TheSameCopyRemembersWhatItSaved()
    {
        var user = User.Create("frank", Hash, UserRole.Member, T0);
        await Repository.AddAsync(user, Ct);
        user.LoadedVersion.ShouldBe(1);

        user.Disable(T0.AddSeconds(1));
        await Repository.UpdateAsync(user, Ct);
        user.Enable(T0.AddSeconds(2));
        await Repository.UpdateAsync(user, Ct);

        user.HasUnsavedChanges.ShouldBeFalse();
        var stored = (await Repository.FindByNameAsync("frank", Ct))!;
        (stored.Version, stored.LoadedVersion, stored.Disabled).ShouldBe((3, 3, false));
    }

    [Fact]
    public async Task Count_And_Remove()
    {
        (await Repository.CountAsync(Ct)).ShouldBe(0);
        var a = User.Create("a", Hash, UserRole.Member, T0);
        await Repository.AddAsync(a, Ct);
        await Repository.AddAsync(User.Create("b", Hash, UserRole.Member, T0), Ct);
        (await Repository.CountAsync(Ct)).ShouldBe(2);

        (await Repository.RemoveAsync(a.Id, Ct)).ShouldBeTrue();
        (await Repository.RemoveAsync(a.Id, Ct)).ShouldBeFalse();
        (await Repository.CountAsync(Ct)).ShouldBe(1);
    }

    [Fact]
    public async Task List_OrdersByNameIgnoringCase()
    {
        foreach (var name in new[] { "charlie", "Bob", "alice", "Zed", "_x", "9" })
        {
            await Repository.AddAsync(User.Create(name, Hash, UserRole.Member, T0), Ct);
        }

        (await Repository.ListAsync(Ct)).Select(u => u.UserName).ShouldBe(["9", "_x", "alice", "Bob", "charlie", "Zed"]);
    }

    [Fact]
    public async Task TwoAdminsDemotingEachOtherAtOnce_OneIsRefused_AndAnAdminRemains()
    {
        await Repository.AddAsync(User.Create("ann", Hash, UserRole.Admin, T0), Ct);
        await Repository.AddAsync(User.Create("ben", Hash, UserRole.Admin, T0), Ct);
        var racing = new BothListFirstUserRepository(Repository);
        var handler = new UpdateUserHandler(
            racing, NothingDone<IOAuthGrantDirectory>.Create(), NothingDone<IUserConnectionStore>.Create(), Changes(), TimeProvider.System);

        var outcomes = await Outcomes(
            handler.Handle(new UpdateUserCommand("ann", new UserEdit { Role = "member" }), Ct),
            handler.Handle(new UpdateUserCommand("ben", new UserEdit { Disabled = true }), Ct));

        outcomes.Count(e => e is LastAdminException).ShouldBe(1);
        outcomes.Count(e => e is null).ShouldBe(1);
        (await Repository.ListAsync(Ct)).Count(u => u.IsAdmin && !u.Disabled).ShouldBe(1);
    }

    [Fact]
    public async Task TwoAdminsRemovingEachOtherAtOnce_OneIsRefused_AndAnAdminRemains()
    {
        await Repository.AddAsync(User.Create("ann", Hash, UserRole.Admin, T0), Ct);
        await Repository.AddAsync(User.Create("ben", Hash, UserRole.Admin, T0), Ct);
        var racing = new BothListFirstUserRepository(Repository);
        var handler = new RemoveUserHandler(
            racing, NothingDone<IOAuthGrantDirectory>.Create(), NothingDone<IUserConnectionStore>.Create(), Changes(), new TagScopeRepository(Factory), TimeProvider.System);

        var outcomes = await Outcomes(
            handler.Handle(new RemoveUserCommand("ann"), Ct),
            handler.Handle(new RemoveUserCommand("ben"), Ct));

        outcomes.Count(e => e is LastAdminException).ShouldBe(1);
        (await Repository.ListAsync(Ct)).Count(u => u.IsAdmin && !u.Disabled).ShouldBe(1);
    }

    [Fact]
    public async Task KeepingAnAdmin_RefusesOnlyWhatTakesTheLastOneAway_AndChangesNothing()
    {
        var ann = User.Create("ann", Hash, UserRole.Admin, T0);
        var bob = User.Create("bob", Hash, UserRole.Member, T0);
        await Repository.AddAsync(ann, Ct);
        await Repository.AddAsync(bob, Ct);

        // A member's change never needs another admin; the last admin's demotion, disabling or removal is refused.
        bob.Disable(T0.AddSeconds(1));
        await Repository.UpdateKeepingAnAdminAsync(bob, Ct);
        var stale = (await Repository.FindByNameAsync("ann", Ct))!;
        ann.ChangeRole(UserRole.Member, T0.AddSeconds(1));
        await Should.ThrowAsync<LastAdminException>(() => Repository.UpdateKeepingAnAdminAsync(ann, Ct));
        await Should.ThrowAsync<LastAdminException>(() => Repository.RemoveKeepingAnAdminAsync(ann, Ct));
        var stored = (await Repository.FindByNameAsync("ann", Ct))!;
        (stored.Role, stored.Version).ShouldBe((UserRole.Admin, 1));

        // With another enabled admin the same demotion passes; a stale copy is still a conflict, not a last-admin error.
        bob.Enable(T0.AddSeconds(2));
        bob.ChangeRole(UserRole.Admin, T0.AddSeconds(2));
        await Repository.UpdateKeepingAnAdminAsync(bob, Ct);
        await Repository.UpdateKeepingAnAdminAsync(ann, Ct);
        stale.Disable(T0.AddSeconds(3));
        await Should.ThrowAsync<ConcurrencyConflictException>(() => Repository.UpdateKeepingAnAdminAsync(stale, Ct));
        (await Repository.RemoveKeepingAnAdminAsync(ann, Ct)).ShouldBeTrue();
        (await Repository.RemoveKeepingAnAdminAsync(ann, Ct)).ShouldBeFalse();
        await Should.ThrowAsync<LastAdminException>(() => Repository.RemoveKeepingAnAdminAsync(bob, Ct));
    }

    private static UserConnectionChanges Changes() => new(NothingDone<IPerUserBackends>.Create(), NothingDone<IChangeFeed>.Create());

    private static async Task<Exception?[]> Outcomes(params Task[] tasks)
    {
        var outcomes = new Exception?[tasks.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            try
            {
                await tasks[i];
            }
            catch (Exception ex)
            {
                outcomes[i] = ex;
            }
        }

        return outcomes;
    }
}
