using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.UnitTests.Domain.Users;

public sealed class ProviderUserTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ExternalSubject_IsTheIssuerWithoutItsTrailingSlashAndTheSub()
    {
        User.ExternalSubjectOf("https://id.example.test/", "abc").ShouldBe("https://id.example.test#abc");
        User.ExternalSubjectOf("https://id.example.test/tenant", "abc").ShouldBe("https://id.example.test/tenant#abc");
    }

    [Fact]
    public void CreateFromProvider_HasNoPassword_AndSortsItsGroups()
    {
        var user = User.CreateFromProvider("ada", "https://id#1", ["b", " a ", "b", ""], UserRole.Member, T0);

        user.HasPassword.ShouldBeFalse();
        user.IsExternal.ShouldBeTrue();
        user.Groups.ShouldBe(["a", "b"]);
        Should.Throw<DomainException>(() => user.SetPasswordHash("hash", T0)).Code.ShouldBe("user.external_password");
        Should.Throw<DomainException>(() => User.CreateFromProvider("ada", " ", [], UserRole.Member, T0)).Code.ShouldBe("user.invalid_subject");
        Should.Throw<DomainException>(() => User.CreateFromProvider("not a name", "https://id#1", [], UserRole.Member, T0)).Code.ShouldBe("user.invalid_name");
    }

    [Fact]
    public void RefreshFromProvider_MovesTheVersionOnlyWhenSomethingChanged()
    {
        var user = User.CreateFromProvider("ada", "https://id#1", ["a"], UserRole.Member, T0);
        var version = user.Version;

        user.RefreshFromProvider(["a"], UserRole.Member, T0.AddHours(1));
        user.Version.ShouldBe(version);

        user.RefreshFromProvider(["a", "admins"], UserRole.Admin, T0.AddHours(2));
        user.Version.ShouldBe(version + 1);
        user.Role.ShouldBe(UserRole.Admin);
        user.UpdatedAt.ShouldBe(T0.AddHours(2));

        Should.Throw<InvalidOperationException>(() => User.Create("local", "hash", UserRole.Member, T0).RefreshFromProvider([], UserRole.Admin, T0));
    }
}
