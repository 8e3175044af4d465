using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>One gateway with <c>--enable-auth</c>, two tagged stdio backends and two users, shared by a test class.</summary>
public sealed class AuthGatewayFixture : IAsyncLifetime
{
    public const string Admin = "ada";
    public const string AdminPassword = "correct horse battery staple";
    public const string Member = "bob";
    public const string MemberPassword = "tr0ub4dor&3 is long enough";

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["web", "DB"])));
        await Gateway.AddUserAsync(Admin, AdminPassword, "admin");
        await Gateway.AddUserAsync(Member, MemberPassword, "member");
    }

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}
