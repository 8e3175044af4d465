using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.TagScopes;

namespace OneMcp.UnitTests.Domain;

/// <summary>Who may grant a tag: every user, administrators, or named users and members of named groups of the identity provider.</summary>
public sealed class TagScopePolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RestrictToUsers_KeepsGroupsTrimmedSortedAndDistinct_CaseSensitively()
    {
        var scope = TagScope.Create(Tag.From("prod"), T0);

        scope.RestrictToUsers(["bob", "ALICE", "alice"], [" sre ", "SRE", "sre", "/platform/ops", " "], T0.AddSeconds(1));

        scope.Policy.ShouldBe(GrantPolicy.NamedUsers);
        scope.AllowedUsers.ShouldBe(["ALICE", "bob"]);
        scope.AllowedGroups.ShouldBe(["/platform/ops", "SRE", "sre"]);
        scope.Version.ShouldBe(2);
    }

    [Fact]
    public void RestrictToUsers_WithGroupsOnly_IsANamedPolicy()
    {
        var scope = TagScope.Create(Tag.From("prod"), T0);

        scope.RestrictToUsers([], ["sre"], T0);

        scope.AllowedUsers.ShouldBeEmpty();
        scope.AllowedGroups.ShouldBe(["sre"]);
    }

    [Fact]
    public void RestrictToUsers_WithNeitherUsersNorGroups_IsRefusedNamingBoth_AndChangesNothing()
    {
        var scope = TagScope.Create(Tag.From("prod"), T0);

        var e = Should.Throw<DomainException>(() => scope.RestrictToUsers([" "], ["", "  "], T0.AddSeconds(1)));

        e.Code.ShouldBe("tag_scope.no_users");
        e.Message.ShouldBe("Name at least one user or group who may grant this tag, or restrict it to administrators.");
        scope.Policy.ShouldBe(GrantPolicy.AllUsers);
        scope.Version.ShouldBe(1);
    }

    [Theory]
    [InlineData("tab\there")]
    [InlineData("long")]
    [InlineData("many")]
    public void RestrictToUsers_WithABadGroupOrTooMany_IsRefused(string group)
    {
        var scope = TagScope.Create(Tag.From("prod"), T0);
        string[] groups = group switch
        {
            "long" => [new string('g', TagScope.MaxGroupLength + 1)],
            "many" => [.. Enumerable.Range(0, TagScope.MaxGroups + 1).Select(i => $"g{i}")],
            _ => [group],
        };

        Should.Throw<DomainException>(() => scope.RestrictToUsers(["alice"], groups, T0)).Code.ShouldBe("tag_scope.invalid_group");
        scope.Policy.ShouldBe(GrantPolicy.AllUsers);
    }

    [Fact]
    public void AnotherPolicy_ClearsTheNamedUsersAndGroups()
    {
        var scope = TagScope.Create(Tag.From("prod"), T0);
        scope.RestrictToUsers(["alice"], ["sre"], T0);

        scope.RestrictToAdmins(T0);
        scope.AllowedUsers.ShouldBeEmpty();
        scope.AllowedGroups.ShouldBeEmpty();

        scope.RestrictToUsers(["alice"], ["sre"], T0);
        scope.OpenToAllUsers(T0);
        scope.AllowedGroups.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("alice", false, "", true)]
    [InlineData("ALICE", false, "", true)]
    [InlineData("bob", false, "sre", true)]
    [InlineData("bob", false, "dev sre", true)]
    [InlineData("bob", false, "SRE", false)]
    [InlineData("bob", false, "dev", false)]
    [InlineData("bob", false, "", false)]
    [InlineData("bob", true, "", true)]
    public void MayBeGrantedBy_NamedUsers_AnAdminANamedUserOrAMemberOfANamedGroup(string userName, bool isAdmin, string groups, bool expected)
    {
        var scope = TagScope.Create(Tag.From("prod"), T0);
        scope.RestrictToUsers(["alice"], ["sre"], T0);

        scope.MayBeGrantedBy(userName, isAdmin, groups.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ShouldBe(expected);
    }

    [Fact]
    public void MayBeGrantedBy_OtherPolicies_IgnoreGroups()
    {
        var admins = TagScope.Create(Tag.From("prod"), T0);
        admins.RestrictToAdmins(T0);
        var open = TagScope.Create(Tag.From("web"), T0);

        admins.MayBeGrantedBy("bob", isAdmin: false, ["sre", "admins"]).ShouldBeFalse();
        admins.MayBeGrantedBy("ada", isAdmin: true, []).ShouldBeTrue();
        open.MayBeGrantedBy("bob", isAdmin: false, []).ShouldBeTrue();
    }
}
