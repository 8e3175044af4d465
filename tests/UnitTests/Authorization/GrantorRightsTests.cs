using OneMcp.Application.Authorization;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;

namespace OneMcp.UnitTests.Authorization;

public sealed class GrantorRightsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    // alpha [db], beta [db, prod], gamma [web]; prod is kept to administrators, db and web are open.
    private static readonly IReadOnlyCollection<Tag>[] Backends =
    [
        [Tag.From("db")],
        [Tag.From("db"), Tag.From("prod")],
        [Tag.From("web")],
    ];

    [Fact]
    public void MayGrant_AMemberAndAnAdminOnlyTag_IsFalseForTheTagAndEveryBackendCarryingIt()
    {
        var member = GrantorRights.For("bob", isAdmin: false, [], Policies());

        member.MayGrant("tag:db").ShouldBeTrue();
        member.MayGrant("tag:prod").ShouldBeFalse();
        member.MayGrant(Backends[0]).ShouldBeTrue();
        member.MayGrant(Backends[1]).ShouldBeFalse();
    }

    [Fact]
    public void MayGrant_TheAdminScope_OnlyForAnAdministrator()
    {
        GrantorRights.For("bob", isAdmin: false, [], []).MayGrant(OAuthScopes.Admin).ShouldBeFalse();
        GrantorRights.For("ada", isAdmin: true, [], []).MayGrant(OAuthScopes.Admin).ShouldBeTrue();
    }

    [Theory]
    [InlineData(ScopeMatch.All, "tag:db", true, "prod")]
    [InlineData(ScopeMatch.Any, "tag:db", true, "prod")]
    [InlineData(ScopeMatch.All, "tag:web", true, "")]
    [InlineData(ScopeMatch.Any, "tag:web", true, "")]
    [InlineData(ScopeMatch.All, "tag:prod", false, "prod")]
    [InlineData(ScopeMatch.All, "tag:db", false, "")]
    public void WithheldFrom_AMembersRequest_NamesTheTagsOfBackendsTheyMayNotGrant(ScopeMatch match, string requested, bool scopeValidation, string expected)
    {
        var member = GrantorRights.For("bob", isAdmin: false, [], Policies());

        var withheld = member.WithheldFrom(requested.Split(' '), Backends, match, scopeValidation);

        withheld.Select(t => t.Value).ShouldBe(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void WithheldFrom_AnAdministrator_IsNothing()
    {
        var admin = GrantorRights.For("ada", isAdmin: true, [], Policies());

        admin.WithheldFrom(["tag:db", "tag:prod"], Backends, ScopeMatch.Any, scopeValidation: true).ShouldBeEmpty();
        admin.Withheld.ShouldBeEmpty();
    }

    [Fact]
    public void For_ANamedUser_MayGrantTheirTag()
    {
        var prod = TagScope.Create(Tag.From("prod"), T0);
        prod.RestrictToUsers(["carol"], [], T0);

        GrantorRights.For("carol", isAdmin: false, [], [prod]).MayGrant("tag:prod").ShouldBeTrue();
        GrantorRights.For("bob", isAdmin: false, [], [prod]).MayGrant("tag:prod").ShouldBeFalse();
    }

    [Theory]
    [InlineData("sre", true)]
    [InlineData("dev sre", true)]
    [InlineData("SRE", false)]
    [InlineData("dev", false)]
    [InlineData("", false)]
    public void For_AMemberOfANamedGroup_MayGrantTheTagAndTheBackendsCarryingIt(string groups, bool mayGrant)
    {
        var prod = TagScope.Create(Tag.From("prod"), T0);
        prod.RestrictToUsers(["carol"], ["sre"], T0);

        var rights = GrantorRights.For("bob", isAdmin: false, groups.Split(' ', StringSplitOptions.RemoveEmptyEntries), [prod, TagScope.Create(Tag.From("db"), T0)]);

        rights.MayGrant("tag:prod").ShouldBe(mayGrant);
        rights.MayGrant(Backends[1]).ShouldBe(mayGrant);
        rights.WithheldFrom(["tag:db"], Backends, ScopeMatch.Any, scopeValidation: true).Select(t => t.Value).ShouldBe(mayGrant ? [] : ["prod"]);
        rights.MayGrant(OAuthScopes.Admin).ShouldBeFalse();
    }

    [Fact]
    public void For_GroupsNeverOpenATagKeptToAdministrators()
    {
        var prod = TagScope.Create(Tag.From("prod"), T0);
        prod.RestrictToAdmins(T0);

        GrantorRights.For("bob", isAdmin: false, ["admins", "prod"], [prod]).MayGrant("tag:prod").ShouldBeFalse();
    }

    private static TagScope[] Policies()
    {
        var prod = TagScope.Create(Tag.From("prod"), T0);
        prod.RestrictToAdmins(T0);
        return [prod, TagScope.Create(Tag.From("db"), T0)];
    }
}
