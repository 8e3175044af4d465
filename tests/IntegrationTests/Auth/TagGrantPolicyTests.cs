using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>A tag scope kept to admins (or named users) is offered only to them on the consent page.</summary>
public sealed class TagGrantPolicyTests : IAsyncLifetime
{
    private const string RedirectUri = "http://127.0.0.1:46004/cb";
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder()
                .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
                .Add("beta", ConfigBuilder.StdioTestServer("beta", ["prod"])),
            adjust: o => o with { EnableScopeValidation = true });
        await _gateway.AddUserAsync("ada", "correct horse battery staple", "admin");
        await _gateway.AddUserAsync("bob", "tr0ub4dor&3 is long enough", "member");
        var scopes = _gateway.Services.GetRequiredService<ITagScopeRepository>();
        var prod = TagScope.Create(Tag.From("prod"), DateTimeOffset.UtcNow);
        prod.RestrictToAdmins(DateTimeOffset.UtcNow);
        await scopes.AddAsync(prod, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Member_AskedForAnAdminOnlyTag_IsToldAnAdminMustApprove()
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;

        var refused = await Should.ThrowAsync<OAuthFlowException>(() => driver.SignInAndApproveAsync(client, RedirectUri, ["tag:prod"], Pkce.Create(), "bob", "tr0ub4dor&3 is long enough"));

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        refused.Body!.ShouldContain("may not grant tag:prod");
    }

    [Fact]
    public async Task Member_WithoutARequestedScope_IsOfferedOnlyTheTagsTheyMayGrant()
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;

        var member = await driver.SignInAndApproveAsync(client, RedirectUri, [], Pkce.Create(), "bob", "tr0ub4dor&3 is long enough", selectedScopes: ["tag:web"]);
        var admin = await driver.SignInAndApproveAsync(client, RedirectUri, [], Pkce.Create(), "ada", "correct horse battery staple", selectedScopes: ["tag:prod"]);

        member.OfferedScopes.Select(s => s.Value).ShouldBe(["tag:web"]);
        member.Redirect.Code.ShouldNotBeNull();
        admin.OfferedScopes.Select(s => s.Value).ShouldBe(["tag:prod", "tag:web"], ignoreOrder: true);
        admin.Redirect.Code.ShouldNotBeNull();
    }
}
