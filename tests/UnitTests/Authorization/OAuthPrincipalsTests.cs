using System.Security.Claims;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.UnitTests.Authorization;

public sealed class OAuthPrincipalsTests
{
    private static readonly UserAccount Bob = new(Guid.Parse("9a1f7c3e-0000-4000-8000-000000000001"), "bob", UserRole.Member, false, "stamp", IsExternal: false);
    private static readonly UserAccount Ada = new(Guid.Parse("9a1f7c3e-0000-4000-8000-000000000002"), "ada", UserRole.Admin, false, "stamp", IsExternal: false);
    private static readonly HashSet<Tag> NoTags = [];

    [Fact]
    public void ForConsent_CarriesTheUserTheGrantItsBoundsAndTheResource()
    {
        var principal = OAuthPrincipals.ForConsent(Bob, ["tag:web", "tag:db"], new HashSet<Tag> { Tag.From("prod"), Tag.From("db2") }, offlineAccess: true, "https://gw.example.com/mcp");

        principal.GetClaim(Claims.Subject).ShouldBe(Bob.Subject);
        principal.GetClaim(Claims.Name).ShouldBe("bob");
        principal.GetClaim(Claims.Role).ShouldBe("member");
        principal.GetClaim(GrantClaims.GrantedScopes).ShouldBe("tag:web tag:db");
        principal.GetClaim(GrantClaims.WithheldTags).ShouldBe("db2 prod");
        principal.GetScopes().ShouldBe(["tag:web", "tag:db", Scopes.OfflineAccess]);
        principal.GetResources().ShouldBe(["https://gw.example.com/mcp"]);
        principal.Claims.ShouldAllBe(c => c.GetDestinations().SequenceEqual(new[] { Destinations.AccessToken }));
        principal.Identity!.AuthenticationType.ShouldBe(OAuthPrincipals.Scheme);
    }

    [Fact]
    public void ForConsent_NothingWithheldAndNoOfflineAccess_AddsNeither()
    {
        var principal = OAuthPrincipals.ForConsent(Bob, ["tag:web"], new HashSet<Tag>(), offlineAccess: false, "https://gw.example.com/mcp");

        principal.GetClaim(GrantClaims.WithheldTags).ShouldBeNull();
        principal.GetScopes().ShouldBe(["tag:web"]);
    }

    [Fact]
    public void Reissue_ARefreshNamingFewerScopes_IsNarrowedAndReadsTheUserAgain()
    {
        var reissued = OAuthPrincipals.Reissue(Issued(["tag:web", "tag:db"], "old-name", "admin"), Bob, ["tag:web"], NoTags, out var exceeding);

        exceeding.ShouldBeNull();
        var principal = reissued.ShouldNotBeNull();
        principal.GetScopes().ShouldBe(["tag:web"]);
        principal.GetClaim(Claims.Name).ShouldBe("bob");
        principal.GetClaim(Claims.Role).ShouldBe("member");
        principal.GetClaim(GrantClaims.GrantedScopes).ShouldBe("tag:web tag:db");
    }

    [Fact]
    public void Reissue_ARefreshNamingAScopeNeverGranted_IsRefusedWithThatScope()
    {
        OAuthPrincipals.Reissue(Issued(["tag:web"]), Bob, ["tag:web", "tag:db"], NoTags, out var exceeding).ShouldBeNull();

        exceeding.ShouldBe("tag:db");
    }

    [Fact]
    public void Reissue_TheAdminScope_LeavesTheFamilyOnceItsUserIsNoAdministrator()
    {
        OAuthPrincipals.Reissue(Issued(["tag:web", OAuthScopes.Admin]), Bob, null, NoTags, out _).ShouldNotBeNull().GetScopes().ShouldBe(["tag:web"]);
        OAuthPrincipals.Reissue(Issued(["tag:web", OAuthScopes.Admin]), Ada, null, NoTags, out _).ShouldNotBeNull().GetScopes().ShouldBe(["tag:web", OAuthScopes.Admin]);
    }

    [Fact]
    public void Reissue_ATagRestrictedSinceTheGrant_IsWithheldFromTheFamilyFromNowOn()
    {
        var principal = OAuthPrincipals.Reissue(Issued(["tag:db"], withheld: "prod"), Bob, null, Tags("web"), out _).ShouldNotBeNull();

        principal.GetClaim(GrantClaims.WithheldTags).ShouldBe("prod web");
    }

    [Fact]
    public void Reissue_APolicyLoosenedSinceTheGrant_DoesNotWidenTheFamily()
    {
        var principal = OAuthPrincipals.Reissue(Issued(["tag:db"], withheld: "prod"), Bob, null, NoTags, out _).ShouldNotBeNull();

        principal.GetClaim(GrantClaims.WithheldTags).ShouldBe("prod");
    }

    [Fact]
    public void Reissue_TagsAnAdministratorsApprovalCleared_AreNotWithheldAgain()
    {
        var approved = OAuthPrincipals.ForConsent(Bob, ["tag:db"], NoTags, offlineAccess: true, "https://gw.example.com/mcp", cleared: Tags("prod"));

        var principal = OAuthPrincipals.Reissue(approved, Bob, null, Tags("prod", "web"), out _).ShouldNotBeNull();

        principal.GetClaim(GrantClaims.WithheldTags).ShouldBe("web");
        principal.GetClaim(GrantClaims.ClearedTags).ShouldBe("prod");
    }

    private static HashSet<Tag> Tags(params string[] tags) => [.. tags.Select(Tag.From)];

    // A principal as OpenIddict hands it back from a code or refresh token.
    private static ClaimsPrincipal Issued(string[] scopes, string name = "bob", string role = "member", string? withheld = null)
    {
        var identity = new ClaimsIdentity(OAuthPrincipals.Scheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, Bob.Subject).SetClaim(Claims.Name, name).SetClaim(Claims.Role, role)
            .SetClaim(GrantClaims.GrantedScopes, string.Join(' ', scopes));
        if (withheld is not null)
        {
            identity.SetClaim(GrantClaims.WithheldTags, withheld);
        }

        identity.SetScopes(scopes);
        return new ClaimsPrincipal(identity);
    }
}
