using OneMcp.Application.Authorization;

namespace OneMcp.UnitTests.Authorization;

public sealed class AdminRightsTests
{
    [Theory]
    [InlineData(false, false, false, false, true)] // auth off: everyone
    [InlineData(true, true, true, false, true)] // an administrator signed in to the dashboard
    [InlineData(true, true, false, true, true)] // an administrator's token holding onemcp:admin
    [InlineData(true, true, false, false, false)] // an administrator's token for tools only
    [InlineData(true, false, false, true, false)] // a member's token, whatever its scopes
    [InlineData(true, false, true, false, false)] // a member signed in to the dashboard
    public void IsAdmin_NeedsTheRoleAndTheCookieOrTheScope(bool authEnabled, bool adminRole, bool viaCookie, bool adminScope, bool expected) =>
        AdminRights.IsAdmin(authEnabled, adminRole, viaCookie, adminScope).ShouldBe(expected);

    [Theory]
    [InlineData(true, false, false, true)]
    [InlineData(false, true, true, true)]
    [InlineData(false, true, false, false)]
    [InlineData(false, false, true, false)]
    public void Required_ForAdminEndpointsAndForEveryChangeWithABearerToken(bool adminOnlyEndpoint, bool bearerToken, bool changes, bool expected) =>
        AdminRights.Required(adminOnlyEndpoint, bearerToken, changes).ShouldBe(expected);
}
