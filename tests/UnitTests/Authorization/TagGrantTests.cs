using OneMcp.Application.Authorization;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Authorization;

public sealed class TagGrantTests
{
    // Backends of the finding: alpha [web], beta [web, db], gamma [db], delta [].
    private static readonly (string Name, Tag[] Tags)[] Backends =
    [
        ("alpha", [Tag.From("web")]),
        ("beta", [Tag.From("web"), Tag.From("db")]),
        ("gamma", [Tag.From("db")]),
        ("delta", []),
    ];

    public static TheoryData<ScopeMatch, string, string, string> Narrowings => new()
    {
        // match, first grant, later (narrower) scopes, backends reached afterwards
        { ScopeMatch.All, "tag:web tag:db", "tag:web", "beta" },
        { ScopeMatch.All, "tag:web tag:db", "tag:db", "beta" },
        { ScopeMatch.All, "tag:web tag:db", "", "" },
        { ScopeMatch.All, "tag:web", "tag:web", "alpha,beta" },
        { ScopeMatch.Any, "tag:web tag:db", "tag:web", "alpha,beta" },
        { ScopeMatch.Any, "tag:web tag:db", "tag:db", "beta,gamma" },
        { ScopeMatch.Any, "tag:web", "tag:web", "alpha,beta" },
    };

    [Theory]
    [MemberData(nameof(Narrowings))]
    public void FromToken_WhenARefreshAsksForFewerTags_ReachesNoBackendTheFirstGrantDidNot(ScopeMatch match, string first, string later, string expected)
    {
        var original = TagGrant.FromScopes(Split(first), match);

        var refreshed = TagGrant.FromToken(Split(later), grantedScopes: first, withheldTags: null, match);

        Reached(refreshed).ShouldBe(Split(expected, ','));
        Reached(refreshed).ShouldBeSubsetOf(Reached(original));
    }

    [Theory]
    [MemberData(nameof(Narrowings))]
    public void Within_WhenASessionSeesANarrowerToken_ReachesNoBackendTheFirstGrantDidNot(ScopeMatch match, string first, string later, string expected)
    {
        var session = TagGrant.FromScopes(Split(first), match);

        var narrowed = TagGrant.FromScopes(Split(later), match).Within(session);

        Reached(narrowed).ShouldBe(Split(expected, ','));
        Reached(narrowed).ShouldBeSubsetOf(Reached(session));
    }

    [Fact]
    public void Within_AfterSeveralNarrowings_KeepsEveryEarlierBound()
    {
        var first = TagGrant.FromScopes(["tag:web", "tag:db"], ScopeMatch.All);

        var narrowed = TagGrant.FromScopes(["tag:web"], ScopeMatch.All).Within(first);
        var again = TagGrant.FromScopes(["tag:web"], ScopeMatch.All).Within(narrowed);

        Reached(again).ShouldBe(["beta"]);
        again.Tags.ShouldBe([Tag.From("web")]);
    }

    [Fact]
    public void Within_NamesOnlyTheTagsBothGrantsHold()
    {
        var first = TagGrant.FromScopes(["tag:web", "tag:db"], ScopeMatch.Any);

        var narrowed = TagGrant.FromScopes(["tag:db"], ScopeMatch.Any).Within(first);

        narrowed.Missing(new HashSet<Tag> { Tag.From("web") }).ShouldBe([Tag.From("web")]);
        narrowed.Missing(new HashSet<Tag> { Tag.From("db") }).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(ScopeMatch.All, "tag:db")]
    [InlineData(ScopeMatch.Any, "tag:db tag:web")]
    public void FromToken_WithWithheldTags_NeverReachesABackendCarryingOne(ScopeMatch match, string scopes)
    {
        // "web" is a tag the grantor could not grant: alpha and beta carry it.
        var grant = TagGrant.FromToken(Split(scopes), scopes, withheldTags: "web", match);

        Reached(grant).ShouldBe(["gamma"]);
    }

    [Fact]
    public void FromToken_WithoutClaims_IsTheGrantOfItsScopes()
    {
        var grant = TagGrant.FromToken(["tag:web", "offline_access", OAuthScopes.Admin], grantedScopes: null, withheldTags: null, ScopeMatch.All);

        grant.Tags.ShouldBe([Tag.From("web")]);
        Reached(grant).ShouldBe(["alpha", "beta"]);
    }

    [Fact]
    public void Reaches_AnUntaggedBackendOrATaglessGrant_IsFalse()
    {
        TagGrant.FromScopes(["tag:web"], ScopeMatch.Any).Reaches([]).ShouldBeFalse();
        TagGrant.FromScopes([], ScopeMatch.Any).Reaches([Tag.From("web")]).ShouldBeFalse();
    }

    private static string[] Reached(TagGrant grant) => [.. Backends.Where(b => grant.Reaches(b.Tags)).Select(b => b.Name)];

    private static string[] Split(string value, char separator = ' ') => value.Split(separator, StringSplitOptions.RemoveEmptyEntries);
}
