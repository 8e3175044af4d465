using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;
using OneMcp.UnitTests.ControlPlane;
using OneMcp.UnitTests.TestDoubles;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Authorization;

public sealed class PrepareConsentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    // alpha [db], beta [db, prod], gamma [web], delta [web] (disabled); prod is kept to administrators.
    private readonly FakePool _pool = new(
        new FakeBackend(Backend.Named("alpha").Tagged("db").Build()),
        new FakeBackend(Backend.Named("beta").Tagged("db", "prod").Build()),
        new FakeBackend(Backend.Named("gamma").Tagged("web").Build()),
        new FakeBackend(Backend.Named("delta").Tagged("web").Disabled().Build()));

    private readonly InMemoryTagScopeRepository _tagScopes = new();
    private readonly InMemoryUserRepository _users = new();
    private readonly RecordingClientRegistry _clients = new();

    public PrepareConsentTests()
    {
        _clients.Registered.Add(new OAuthClientRegistration("c1", null, "Claude Code", [new Uri("http://127.0.0.1/cb")], MayRefresh: true));
        var prod = TagScope.Create(Tag.From("prod"), T0);
        prod.RestrictToAdmins(T0);
        _tagScopes.AddAsync(prod, CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task Handle_ATagScopeNamingNoTag_IsRefused()
    {
        var plan = await Prepare(isAdmin: false, "tag:db", "tag:nope");

        plan.Refusal.ShouldBe("The scope 'tag:nope' names no tag of this gateway.");
        plan.ClientName.ShouldBe("Claude Code");
    }

    [Fact]
    public async Task Handle_AMemberAskingForTagsTheyMayGrant_IsOfferedExactlyThose()
    {
        var plan = await Prepare(isAdmin: false, "TAG:web", "tag:web", "openid", "offline_access");

        plan.Refusal.ShouldBeNull();
        plan.NeedsAdministrator.ShouldBeFalse();
        plan.RequestedTags.ShouldBe(["tag:web"]);
        plan.Requested.ShouldBe(["tag:web"]);
        plan.Offered.ShouldBe(["tag:web"]);
        plan.OfflineAccess.ShouldBeTrue();
        plan.WithheldTags.ShouldBe([Tag.From("prod")]);
    }

    [Fact]
    public async Task Handle_AMemberAskingForNothing_IsOfferedEveryTagTheyMayGrantButNotAdmin()
    {
        var plan = await Prepare(isAdmin: false);

        plan.Offered.ShouldBe(["tag:db", "tag:web"]);
        plan.Requested.ShouldBeEmpty();
        plan.AdminDeclined.ShouldBeFalse();
    }

    [Fact]
    public async Task Handle_AnAdministratorAskingForNothing_IsOfferedEveryTagAndTheAdminScope()
    {
        var plan = await Prepare(isAdmin: true);

        plan.Offered.ShouldBe(["tag:db", "tag:prod", "tag:web", OAuthScopes.Admin]);
        plan.WithheldTags.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_TheAdminScopeAskedByAMember_IsDeclinedAndNotOffered()
    {
        var plan = await Prepare(isAdmin: false, "tag:db", OAuthScopes.Admin);

        plan.Offered.ShouldBe(["tag:db"]);
        plan.AdminDeclined.ShouldBeTrue();
    }

    [Fact]
    public async Task Handle_TheAdminScopeAskedByAnAdministrator_IsOfferedAndRecordedAsRequested()
    {
        var plan = await Prepare(isAdmin: true, OAuthScopes.Admin);

        plan.Offered.ShouldBe([OAuthScopes.Admin]);
        plan.Requested.ShouldBe([OAuthScopes.Admin]);
        plan.AdminDeclined.ShouldBeFalse();
    }

    [Fact]
    public async Task Handle_AMemberAskingForAnAdminOnlyTag_WaitsForAnAdministrator()
    {
        var plan = await Prepare(isAdmin: false, "tag:prod");

        plan.NeedsAdministrator.ShouldBeTrue();
        plan.WithheldScopes.ShouldBe(["tag:prod"]);
    }

    [Fact]
    public async Task Handle_AProviderUserInAGroupTheTagNames_MayGrantIt_WhileALocalUserOfTheSameNameMayNot()
    {
        var prod = (await _tagScopes.FindAsync(Tag.From("prod"), CancellationToken.None))!;
        prod.RestrictToUsers([], ["sre"], T0);
        await _tagScopes.UpdateAsync(prod, CancellationToken.None);
        await _users.AddAsync(User.CreateFromProvider("bob", "https://idp.example#bob", ["dev", "sre"], UserRole.Member, T0), CancellationToken.None);

        var inGroup = await Prepare(isAdmin: false, ScopeMatch.Any, scopeValidation: true, "tag:db", "tag:prod");

        inGroup.NeedsAdministrator.ShouldBeFalse();
        inGroup.Offered.ShouldBe(["tag:db", "tag:prod"]);
        inGroup.WithheldTags.ShouldBeEmpty();
        inGroup.Preview.ShouldNotBeNull().IsWithheld(["db", "prod"]).ShouldBeFalse();

        // The groups are the stored user's: a user the store does not know (or a local one) has none.
        var stranger = await new PrepareConsentHandler(_clients, _pool, _tagScopes, _users)
            .Handle(new PrepareConsentQuery("c1", "carol", false, ["tag:prod"], ScopeMatch.All, false), CancellationToken.None);
        stranger.NeedsAdministrator.ShouldBeTrue();
        stranger.WithheldScopes.ShouldBe(["tag:prod"]);
    }

    [Theory]
    [InlineData(true, "tag:prod")]
    [InlineData(false, "")]
    public async Task Handle_ATagThatReachesABackendCarryingAnAdminOnlyTag_WaitsOnlyUnderScopeValidation(bool scopeValidation, string withheld)
    {
        var plan = await Prepare(isAdmin: false, ScopeMatch.Any, scopeValidation, "tag:db");

        plan.WithheldScopes.ShouldBe(withheld.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Handle_UnderScopeValidation_PreviewsTheEnabledBackendsAndWhatTheTickedTagsReach()
    {
        var plan = await Prepare(isAdmin: false, ScopeMatch.All, scopeValidation: true, "tag:web");

        var preview = plan.Preview.ShouldNotBeNull();
        preview.Servers.Select(s => s.Name).ShouldBe(["alpha", "beta", "gamma"]);
        preview.Reached(["tag:db"]).ShouldBe(["alpha"]);
        preview.IsWithheld(["db", "prod"]).ShouldBeTrue();
        (await Prepare(isAdmin: false, "tag:web")).Preview.ShouldBeNull();
    }

    [Fact]
    public async Task Select_ScopesNotOffered_AreRefusedAndOfferedOnesNormalised()
    {
        var plan = await Prepare(isAdmin: false, "tag:db", "tag:web");

        plan.Select(["TAG:db"], out var selected).ShouldBeNull();
        selected.ShouldBe(["tag:db"]);
        plan.Select(["tag:web", OAuthScopes.Admin], out _).ShouldBe("The scope 'onemcp:admin' was not offered on this consent page.");
    }

    [Fact]
    public async Task ApprovalProblem_NoTagUnderScopeValidation_AsksForOne()
    {
        var validated = await Prepare(isAdmin: false, ScopeMatch.All, scopeValidation: true, "tag:web");
        var open = await Prepare(isAdmin: false, "tag:web");

        validated.ApprovalProblem([]).ShouldBe("Choose at least one tag: a token without tags reaches no server.");
        validated.ApprovalProblem(["tag:web"]).ShouldBeNull();
        open.ApprovalProblem([]).ShouldBeNull();
    }

    [Fact]
    public async Task AdministratorGrant_NeverGivesAdminRights_AndUnderScopeValidationNoTagIsARefusal()
    {
        var validated = await Prepare(isAdmin: false, ScopeMatch.All, scopeValidation: true, "tag:web");
        var open = await Prepare(isAdmin: false, "tag:web");

        validated.AdministratorGrant(["tag:web", OAuthScopes.Admin]).ShouldBe(["tag:web"]);
        validated.AdministratorGrant([]).ShouldBeNull();
        open.AdministratorGrant([OAuthScopes.Admin]).ShouldNotBeNull().ShouldBeEmpty();
        open.AdministratorGrant([]).ShouldNotBeNull().ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_AClientThatDoesNotExist_IsAnError() =>
        await Should.ThrowAsync<InvalidOperationException>(() => new PrepareConsentHandler(_clients, _pool, _tagScopes, _users)
            .Handle(new PrepareConsentQuery("nobody", "bob", false, [], ScopeMatch.All, false), CancellationToken.None));

    [Fact]
    public async Task GetUserAccount_ReadsTheStoredUserWithItsPasswordStamp()
    {
        var users = new InMemoryUserRepository();
        var ada = User.Create("ada", "hash-1", UserRole.Admin, T0);
        await users.AddAsync(ada, CancellationToken.None);
        var handler = new GetUserAccountHandler(users);

        var account = (await handler.Handle(new GetUserAccountQuery(ada.Id), CancellationToken.None)).ShouldNotBeNull();

        account.UserName.ShouldBe("ada");
        account.IsAdmin.ShouldBeTrue();
        account.RoleText.ShouldBe("admin");
        account.Subject.ShouldBe(ada.Id.ToString("D"));
        account.PasswordStamp.ShouldBe(Application.Users.PasswordStamp.Of(ada));
        (await handler.Handle(new GetUserAccountQuery(Guid.NewGuid()), CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public void OAuthRequestDigest_IsStableAndDiffersWithAnyValue()
    {
        KeyValuePair<string, string>[] parameters = [new("client_id", "c1"), new("state", "a b")];

        OAuthRequestDigest.Of(parameters).ShouldBe(OAuthRequestDigest.Of([.. parameters]));
        OAuthRequestDigest.Of(parameters).ShouldNotBe(OAuthRequestDigest.Of([new("client_id", "c1"), new("state", "a+b")]));
    }

    private Task<ConsentPlan> Prepare(bool isAdmin, params string[] scopes) => Prepare(isAdmin, ScopeMatch.All, scopeValidation: false, scopes);

    private Task<ConsentPlan> Prepare(bool isAdmin, ScopeMatch match, bool scopeValidation, params string[] scopes) =>
        new PrepareConsentHandler(_clients, _pool, _tagScopes, _users)
            .Handle(new PrepareConsentQuery("c1", isAdmin ? "ada" : "bob", isAdmin, scopes, match, scopeValidation), CancellationToken.None);
}
