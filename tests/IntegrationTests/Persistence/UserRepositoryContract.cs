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
}
