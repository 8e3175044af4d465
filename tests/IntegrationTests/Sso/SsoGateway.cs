using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Settings;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Oidc;

namespace OneMcp.IntegrationTests.Sso;

/// <summary>
/// A gateway with <c>--enable-auth</c> that signs people in with a real, independent OpenID provider
/// (<c>oidc-provider</c>, run by Node): admins are the accounts in the group <see cref="AdminGroup"/>, and only
/// <see cref="AllowedDomain"/> addresses may sign in. One tagged stdio backend, unless a test names others.
/// </summary>
internal sealed class SsoGateway : IAsyncDisposable
{
    public const string AdminGroup = "onemcp-admins";
    public const string AllowedDomain = "corp.example";
    public const string DisplayName = "Corp SSO";

    private SsoGateway(OidcProviderProcess provider, GatewayUnderTest gateway)
    {
        Provider = provider;
        Gateway = gateway;
        Driver = new OidcSignInDriver(provider);
    }

    public OidcProviderProcess Provider { get; }

    public GatewayUnderTest Gateway { get; }

    public OidcSignInDriver Driver { get; }

    public static readonly OidcAccount[] Accounts =
    [
        new("ada", "ada@corp.example", [AdminGroup, "engineering"], "ada"),
        new("bo", "bo@corp.example", ["engineering"], "bo"),
        new("eve", "eve@elsewhere.example", ["engineering"], "eve"),
    ];

    /// <param name="clockOffsetSeconds">Shifts the provider's clock (its ID tokens are then issued in the past).</param>
    /// <param name="adjust">More serve options (e.g. <c>--disable-local-login</c>).</param>
    /// <param name="configureBuilder">Changes to the host (e.g. a log capture).</param>
    /// <param name="backends">The backends (one stdio backend <c>alpha</c> tagged <c>web</c> when null).</param>
    public static async Task<SsoGateway> StartAsync(
        int clockOffsetSeconds = 0, Func<ServeOptions, ServeOptions>? adjust = null, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configureBuilder = null,
        ConfigBuilder? backends = null)
    {
        var port = GatewayProcess.FreePort();
        var provider = await OidcProviderProcess.StartForGatewayAsync(port, Accounts, clockOffsetSeconds);
        try
        {
            var gateway = await GatewayUnderTest.StartWithAuthAsync(
                backends ?? new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
                adjust: o => (adjust ?? (x => x))(o with
                {
                    Port = port,
                    Oidc = new OidcOptions
                    {
                        Issuer = provider.Issuer,
                        ClientId = provider.ClientId,
                        ClientSecret = provider.ClientSecret,
                        DisplayName = DisplayName,
                        AdminValues = [AdminGroup],
                        AllowedDomains = [AllowedDomain],
                    },
                }),
                configureBuilder: configureBuilder);
            return new SsoGateway(provider, gateway);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    /// <summary>A browser of the gateway: keeps cookies, follows no redirect.</summary>
    public HttpClient Browser() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = Gateway.BaseUrl };

    public Task<OidcSignInResult> SignInAsync(
        HttpClient browser, string account, string returnUrl = "/oauth", Func<Uri, Uri>? tamperAuthorizationRequest = null, Func<Uri, Uri>? tamperCallback = null) =>
        Driver.SignInAsync(Gateway.BaseUrl, browser, account, returnUrl, tamperAuthorizationRequest, tamperCallback, CancellationToken.None);

    public async Task<User?> ProviderUserAsync(string account)
    {
        await using var scope = Gateway.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IUserRepository>()
            .FindByExternalSubjectAsync(User.ExternalSubjectOf(Provider.IssuerString, account), CancellationToken.None);
    }

    public async Task<int> UserCountAsync()
    {
        await using var scope = Gateway.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IUserRepository>().CountAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Provider.DisposeAsync();
    }
}
