using OneMcp.Domain.Users;

namespace OneMcp.UnitTests.Domain.Users;

public sealed class LastAdminRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(UserRole.Admin, false, false)]
    [InlineData(UserRole.Admin, true, true)]
    [InlineData(UserRole.Member, false, true)]
    [InlineData(UserRole.Member, true, true)]
    public void TakesAnAdminAway_ForAnEnabledAdmin_WhenTheChangeDemotesOrDisables(UserRole role, bool disabled, bool takesAway) =>
        LastAdminRule.TakesAnAdminAway(Admin("alice"), role, disabled).ShouldBe(takesAway);

    [Theory]
    [InlineData(UserRole.Admin, false)]
    [InlineData(UserRole.Member, true)]
    public void TakesAnAdminAway_NeverForAMemberOrADisabledAdmin(UserRole role, bool disabled)
    {
        var member = User.Create("bob", "hash", UserRole.Member, T0);
        var disabledAdmin = Admin("carol");
        disabledAdmin.Disable(T0);

        LastAdminRule.TakesAnAdminAway(member, role, disabled).ShouldBeFalse();
        LastAdminRule.TakesAnAdminAway(disabledAdmin, role, disabled).ShouldBeFalse();
        LastAdminRule.TakesAnAdminAway(member).ShouldBeFalse();
        LastAdminRule.TakesAnAdminAway(disabledAdmin).ShouldBeFalse();
    }

    [Fact]
    public void TakesAnAdminAway_RemovingAnEnabledAdmin() =>
        LastAdminRule.TakesAnAdminAway(Admin("alice")).ShouldBeTrue();

    [Fact]
    public void EnsureAnotherAdminRemains_WithAnotherEnabledAdmin_Passes()
    {
        var alice = Admin("alice");

        Should.NotThrow(() => LastAdminRule.EnsureAnotherAdminRemains(alice, [alice, Admin("dave")]));
    }

    [Fact]
    public void EnsureAnotherAdminRemains_WhenTheOthersAreMembersOrDisabled_ThrowsLastAdmin()
    {
        var alice = Admin("alice");
        var carol = Admin("carol");
        carol.Disable(T0);

        var refused = Should.Throw<LastAdminException>(() =>
            LastAdminRule.EnsureAnotherAdminRemains(alice, [alice, carol, User.Create("bob", "hash", UserRole.Member, T0)]));

        refused.UserName.ShouldBe("alice");
        refused.Message.ShouldBe("'alice' is the last enabled admin; add another admin before removing, demoting or disabling it.");
    }

    [Fact]
    public void EnsureAnotherAdminRemains_CountsTheUserOnlyOnce_EvenAsAnotherCopy()
    {
        var alice = Admin("alice");
        var sameAliceReloaded = User.Restore(alice.Id, alice.UserName, alice.PasswordHash, alice.ExternalSubject, alice.Groups, alice.Role, alice.Disabled, alice.Version, alice.CreatedAt, alice.UpdatedAt);

        Should.Throw<LastAdminException>(() => LastAdminRule.EnsureAnotherAdminRemains(alice, [sameAliceReloaded]));
    }

    private static User Admin(string name) => User.Create(name, "hash", UserRole.Admin, T0);
}
