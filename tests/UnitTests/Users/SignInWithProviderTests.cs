using OneMcp.Application.Audit;
using OneMcp.Application.Authorization;
using OneMcp.Application.Users;
using OneMcp.Application.Users.Commands;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;
using OneMcp.UnitTests.ControlPlane;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Users;

public sealed class SignInWithProviderTests
{
    private const string Issuer = "https://id.example.test/realms/team";

    private readonly InMemoryUserRepository _users = new();
    private readonly RecordingGrantDirectory _grants = new();
    private readonly InMemoryTagScopeRepository _tagScopes = new();
    private readonly RecordingAuditLog _audit = new();

    // alpha [web], beta [docs, web], gamma [notes].
    private readonly FakePool _pool = new(
        new FakeBackend(Backend.Named("alpha").Tagged("web").Build()),
        new FakeBackend(Backend.Named("beta").Tagged("docs", "web").Build()),
        new FakeBackend(Backend.Named("gamma").Tagged("notes").Build()));
    private readonly FixedTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));

    private SignInWithProviderHandler Handler(IEnumerable<string>? allowedDomains = null) => new(
        _users, _grants, _tagScopes, _pool, _audit, new IdentityProviderRules(Issuer + "/", "Team SSO", ["onemcp-admins"], allowedDomains ?? []), _time,
        new RecordingLogger<SignInWithProviderHandler>());

    private static ProviderIdentity Ada(params string[] groups) =>
        new("00u-ada", "ada", "ada@corp.example", true, groups, groups);

    private Task<SignInResult> SignIn(ProviderIdentity identity, IEnumerable<string>? allowedDomains = null) =>
        Handler(allowedDomains).Handle(new SignInWithProviderCommand(identity, ScopeMatch.All, ScopeValidation: true), CancellationToken.None);

    [Fact]
    public async Task FirstSignIn_CreatesAPasswordlessUserWithTheProvidersSubjectGroupsAndRole()
    {
        var result = await SignIn(Ada("onemcp-admins", "engineering"));

        result.Outcome.ShouldBe(SignInOutcome.Succeeded);
        result.UserName.ShouldBe("ada");
        result.Role.ShouldBe(UserRole.Admin);
        var stored = _users.Snapshot().ShouldHaveSingleItem();
        stored.Id.ShouldBe(result.UserId);
        stored.ExternalSubject.ShouldBe(Issuer + "#00u-ada");
        stored.HasPassword.ShouldBeFalse();
        stored.Groups.ShouldBe(["engineering", "onemcp-admins"]);
    }

    [Fact]
    public async Task FirstSignIn_WithTheNameOfALocalUser_NeverTakesThatAccountOver()
    {
        await _users.AddAsync(User.Create("ada", "hashed:x", UserRole.Admin, _time.GetUtcNow()), CancellationToken.None);

        var result = await SignIn(Ada("engineering"));

        result.UserName.ShouldBe("ada@corp.example");
        result.Role.ShouldBe(UserRole.Member);
        _users.Snapshot().Single(u => u.UserName == "ada").ExternalSubject.ShouldBeNull();

        // And with the e-mail address taken too, a numbered name.
        var bo = await SignIn(new ProviderIdentity("00u-bo", "ada", "ada@corp.example", true, [], []));
        bo.UserName.ShouldBe("ada-2");
    }

    [Fact]
    public async Task NextSignIn_FindsTheUserBySubject_AndRefreshesGroupsAndRole_EvenUnderAnotherName()
    {
        var first = await SignIn(Ada("engineering"));

        var second = await SignIn(new ProviderIdentity("00u-ada", "ada.lovelace", "ada@corp.example", true, ["onemcp-admins"], ["onemcp-admins"]));

        second.UserId.ShouldBe(first.UserId);
        second.UserName.ShouldBe("ada");
        second.Role.ShouldBe(UserRole.Admin);
        _users.Snapshot().ShouldHaveSingleItem().Groups.ShouldBe(["onemcp-admins"]);
    }

    [Fact]
    public async Task NextSignIn_OutOfTheAdminGroup_DemotesAndRevokesOnlyTheGrantsWithTheAdminScope()
    {
        var ada = await SignIn(Ada("onemcp-admins"));
        var subject = ada.UserId.ToString();
        _grants.Add(new OAuthClientRecord("cli", "CLI", "public", [], [
            new OAuthGrantRecord("g-admin", "cli", subject, ["tag:db", OAuthScopes.Admin], null),
            new OAuthGrantRecord("g-member", "cli", subject, ["tag:db"], null),
            new OAuthGrantRecord("g-other", "cli", Guid.NewGuid().ToString(), [OAuthScopes.Admin], null),
        ]));

        var result = await SignIn(Ada("engineering"));

        result.Role.ShouldBe(UserRole.Member);
        _users.Snapshot().ShouldHaveSingleItem().Role.ShouldBe(UserRole.Member);
        _grants.RevokedGrants.ShouldBe(["g-admin"]);
    }

    [Fact]
    public async Task NextSignIn_OutOfAGroupThatAllowedATag_RevokesTheGrantsHoldingOrReachingIt_AndKeepsTheOthers()
    {
        await KeepTagToGroupAsync("web", "engineering");
        var subject = (await SignIn(Ada("engineering"))).UserId.ToString();
        _grants.Add(new OAuthClientRecord("cli", "CLI", "public", [], [
            new OAuthGrantRecord("g-web", "cli", subject, ["tag:web", "offline_access"], null),
            new OAuthGrantRecord("g-docs", "cli", subject, ["tag:docs"], null), // beta [docs, web]
            new OAuthGrantRecord("g-notes", "cli", subject, ["tag:notes"], null),
            new OAuthGrantRecord("g-other", "cli", Guid.NewGuid().ToString(), ["tag:web"], null),
        ]));

        await SignIn(Ada("engineering"));
        _grants.RevokedGrants.ShouldBeEmpty();

        await SignIn(Ada("support"));

        _grants.RevokedGrants.ShouldBe(["g-web", "g-docs"], ignoreOrder: true);
    }

    [Fact]
    public async Task NextSignIn_ThatRevokesGrants_RecordsEachRevocationInTheAuditLog()
    {
        await KeepTagToGroupAsync("web", "engineering");
        var subject = (await SignIn(Ada("engineering"))).UserId.ToString();
        _grants.Add(new OAuthClientRecord("cli", "CLI", "public", [], [
            new OAuthGrantRecord("g-web", "cli", subject, ["tag:web"], null),
            new OAuthGrantRecord("g-notes", "cli", subject, ["tag:notes"], null),
        ]));

        await SignIn(Ada("support"));

        var entry = _audit.Entries.ShouldHaveSingleItem();
        entry.Kind.ShouldBe(AuditKinds.Revocation);
        entry.Outcome.ShouldBe(AuditOutcomes.Success);
        entry.Name.ShouldBe(SignInWithProviderHandler.RevokedAtSignIn);
        (entry.UserName, entry.Subject, entry.ClientId, entry.Target).ShouldBe(("ada", subject, "cli", "g-web"));
    }

    [Fact]
    public async Task NextSignIn_WithoutScopeValidation_RevokesOnlyTheGrantsNamingATagTakenAway()
    {
        await KeepTagToGroupAsync("web", "engineering");
        var subject = (await SignIn(Ada("engineering"))).UserId.ToString();
        _grants.Add(new OAuthClientRecord("cli", "CLI", "public", [], [
            new OAuthGrantRecord("g-web", "cli", subject, ["tag:web"], null),
            new OAuthGrantRecord("g-docs", "cli", subject, ["tag:docs"], null),
        ]));

        await Handler().Handle(new SignInWithProviderCommand(Ada("support"), ScopeMatch.All, ScopeValidation: false), CancellationToken.None);

        _grants.RevokedGrants.ShouldBe(["g-web"]);
    }

    [Fact]
    public async Task NextSignIn_OutOfTheAdminGroup_AlsoRevokesTheGrantsOfTagsKeptToAdministrators()
    {
        var web = TagScope.Create(Tag.From("web"), _time.GetUtcNow());
        web.RestrictToAdmins(_time.GetUtcNow());
        await _tagScopes.AddAsync(web, CancellationToken.None);
        var subject = (await SignIn(Ada("onemcp-admins"))).UserId.ToString();
        _grants.Add(new OAuthClientRecord("cli", "CLI", "public", [], [
            new OAuthGrantRecord("g-web", "cli", subject, ["tag:web"], null),
            new OAuthGrantRecord("g-notes", "cli", subject, ["tag:notes"], null),
        ]));

        await SignIn(Ada());

        _grants.RevokedGrants.ShouldBe(["g-web"]);
    }

    [Fact]
    public async Task NextSignIn_ChangingGroups_KeepsAGrantOfATagTheUserCouldNotGrantBefore()
    {
        // An administrator approved tag:web for a user outside engineering; leaving another group takes nothing from it.
        await KeepTagToGroupAsync("web", "engineering");
        var subject = (await SignIn(Ada("support"))).UserId.ToString();
        _grants.Add(new OAuthClientRecord("cli", "CLI", "public", [], [new OAuthGrantRecord("g-web", "cli", subject, ["tag:web"], null)]));

        await SignIn(Ada());

        _grants.RevokedGrants.ShouldBeEmpty();
    }

    private async Task KeepTagToGroupAsync(string tag, string group)
    {
        var scope = TagScope.Create(Tag.From(tag), _time.GetUtcNow());
        scope.RestrictToUsers([], [group], _time.GetUtcNow());
        await _tagScopes.AddAsync(scope, CancellationToken.None);
    }

    [Fact]
    public async Task NextSignIn_OfTheLastAdmin_StillFollowsTheProvider()
    {
        await SignIn(Ada("onemcp-admins"));

        (await SignIn(Ada())).Role.ShouldBe(UserRole.Member);
    }

    [Fact]
    public async Task SignIn_OfALocallyDisabledUser_IsRefusedWhateverTheProviderSays_AndChangesNothing()
    {
        var ada = await SignIn(Ada("engineering"));
        var user = _users.Snapshot().Single();
        user.Disable(_time.GetUtcNow());
        await _users.UpdateAsync(user, CancellationToken.None);
        var writes = _users.Writes;

        var result = await SignIn(Ada("onemcp-admins"));

        result.Outcome.ShouldBe(SignInOutcome.AccountDisabled);
        result.Succeeded.ShouldBeFalse();
        _users.Writes.ShouldBe(writes);
        _users.Snapshot().Single().Role.ShouldBe(UserRole.Member);
        ada.Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData("ada@corp.example", true, true)]
    [InlineData("ada@CORP.example", null, true)]
    [InlineData("ada@corp.example", false, false)]
    [InlineData("ada@elsewhere.example", true, false)]
    [InlineData("ada@sub.corp.example", true, false)]
    [InlineData(null, null, false)]
    public async Task SignIn_UnderADomainAllowList_TakesOnlyItsDomains_AndCreatesNobodyElse(string? email, bool? verified, bool allowed)
    {
        var result = await SignIn(new ProviderIdentity("00u-x", "x", email, verified, [], []), ["@corp.example"]);

        result.Outcome.ShouldBe(allowed ? SignInOutcome.Succeeded : SignInOutcome.DomainNotAllowed);
        _users.Snapshot().Count.ShouldBe(allowed ? 1 : 0);
    }

    [Fact]
    public void Rules_MakeAnAdminOnlyOfAnExactAdminValue()
    {
        var rules = new IdentityProviderRules(Issuer, "Team SSO", ["onemcp-admins", " "], []);

        rules.RoleOf(["engineering", "onemcp-admins"]).ShouldBe(UserRole.Admin);
        rules.RoleOf(["ONEMCP-ADMINS", "onemcp-admins-readonly"]).ShouldBe(UserRole.Member);
        rules.RoleOf([]).ShouldBe(UserRole.Member);
        rules.AdminValues.Count.ShouldBe(1);
    }
}
