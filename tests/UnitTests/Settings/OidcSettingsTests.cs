using System.Security.Claims;
using OneMcp.Infrastructure.Identity.Oidc;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.UnitTests.Settings;

/// <summary>The <c>--oidc-*</c> settings and <c>--disable-local-login</c>: what they resolve to, and the one line for each mistake.</summary>
public sealed class OidcSettingsTests
{
    private static readonly Dictionary<string, string> Minimal = new()
    {
        ["--enable-auth"] = "",
        ["--oidc-issuer"] = "https://id.example.test/realms/team",
        ["--oidc-client-id"] = "onemcp",
    };

    private static Task<ServeOptions> Resolve(Dictionary<string, string> flags, Dictionary<string, string>? variables = null) =>
        new SettingsResolver(
            name => flags.GetValueOrDefault(name),
            name => flags.TryGetValue(name, out var given) ? given != "false" : null,
            name => name == "XDG_DATA_HOME" ? Path.Combine(Path.GetTempPath(), "onemcp-resolver-tests") : variables?.GetValueOrDefault(name))
        .ResolveServeAsync(CancellationToken.None);

    private static async Task<string> Refusal(Dictionary<string, string> flags, Dictionary<string, string>? variables = null) =>
        (await Should.ThrowAsync<InvalidSettingException>(() => Resolve(flags, variables))).Message;

    [Fact]
    public async Task WithoutAnIssuer_ThereIsNoProviderSignIn()
    {
        var options = await Resolve(new() { ["--enable-auth"] = "" });

        options.Oidc.ShouldBeNull();
        options.DisableLocalLogin.ShouldBeFalse();
    }

    [Fact]
    public async Task WithAnIssuerAndAClientId_TheDefaultsHold_AndTheSecretComesOnlyFromTheEnvironment()
    {
        var options = await Resolve(Minimal, new() { ["ONEMCP_OIDC_CLIENT_SECRET"] = "s3cret" });

        var oidc = options.Oidc.ShouldNotBeNull();
        oidc.Issuer.ShouldBe(new Uri("https://id.example.test/realms/team"));
        oidc.ClientId.ShouldBe("onemcp");
        oidc.ClientSecret.ShouldBe("s3cret");
        oidc.Scopes.ShouldBe(["openid", "profile", "email"]);
        oidc.DisplayName.ShouldBe("id.example.test");
        oidc.RoleClaim.ShouldBe("groups");
        oidc.AdminValues.ShouldBeEmpty();
        oidc.AllowedDomains.ShouldBeEmpty();
    }

    [Fact]
    public async Task EveryFlagHasItsVariable_AndListsAreCommaSeparated()
    {
        var options = await Resolve(new() { ["--enable-auth"] = "" }, new()
        {
            ["ONEMCP_OIDC_ISSUER"] = "http://127.0.0.1:9000",
            ["ONEMCP_OIDC_CLIENT_ID"] = "gw",
            ["ONEMCP_OIDC_SCOPES"] = "openid email groups",
            ["ONEMCP_OIDC_DISPLAY_NAME"] = "Corp SSO",
            ["ONEMCP_OIDC_ROLE_CLAIM"] = "roles",
            ["ONEMCP_OIDC_ADMIN_VALUES"] = "onemcp-admins, platform",
            ["ONEMCP_OIDC_ALLOWED_DOMAINS"] = "@Corp.Example, corp.test",
            ["ONEMCP_DISABLE_LOCAL_LOGIN"] = "true",
        });

        var oidc = options.Oidc.ShouldNotBeNull();
        oidc.Scopes.ShouldBe(["openid", "email", "groups"]);
        oidc.DisplayName.ShouldBe("Corp SSO");
        oidc.RoleClaim.ShouldBe("roles");
        oidc.AdminValues.ShouldBe(["onemcp-admins", "platform"]);
        oidc.AllowedDomains.ShouldBe(["corp.example", "corp.test"]);
        options.DisableLocalLogin.ShouldBeTrue();
    }

    [Fact]
    public async Task Mistakes_AreRefusedWithOneLineEach()
    {
        (await Refusal(new() { ["--enable-auth"] = "", ["--oidc-client-id"] = "x" })).ShouldBe("--oidc-client-id needs --oidc-issuer: it configures sign-in with an identity provider.");
        (await Refusal(new() { ["--oidc-issuer"] = "https://id.example.test", ["--oidc-client-id"] = "x" })).ShouldStartWith("--oidc-issuer needs --enable-auth");
        (await Refusal(new() { ["--enable-auth"] = "", ["--oidc-issuer"] = "https://id.example.test" })).ShouldStartWith("--oidc-issuer needs --oidc-client-id");
        (await Refusal(new(Minimal) { ["--oidc-issuer"] = "http://id.example.test" })).ShouldContain("must be reached over https");
        (await Refusal(new(Minimal) { ["--oidc-issuer"] = "id.example.test" })).ShouldStartWith("invalid --oidc-issuer 'id.example.test'");
        (await Refusal(new(Minimal) { ["--oidc-scopes"] = "profile email" })).ShouldContain("needs the scope openid");
        (await Refusal(new(Minimal) { ["--oidc-allowed-domains"] = "corp" })).ShouldContain("'corp' is not an e-mail domain");
        (await Refusal(new() { ["--enable-auth"] = "", ["--disable-local-login"] = "" })).ShouldStartWith("--disable-local-login needs --oidc-issuer");
    }

    [Fact]
    public async Task DisableLocalLogin_RefusesTheFirstAdminVariablesWithOneLine()
    {
        var message = await Refusal(new(Minimal) { ["--disable-local-login"] = "" }, new() { ["ONEMCP_ADMIN_USERNAME"] = "root", ["ONEMCP_ADMIN_PASSWORD"] = "pw" });

        message.ShouldBe(
            "ONEMCP_ADMIN_USERNAME and ONEMCP_ADMIN_PASSWORD create a local user, and --disable-local-login turns local sign-in off: " +
            "unset them (add a break-glass admin with 'onemcp users add' instead).");
        message.ShouldNotContain("pw");
    }

    [Fact]
    public void ProviderClaims_ReadSeveralClaimsOrOneJsonArray_AndNeedASub()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([
            new Claim("sub", "00u-ada"), new Claim("preferred_username", "ada"), new Claim("email", "ada@corp.example"),
            new Claim("email_verified", "false"), new Claim("groups", "[\"onemcp-admins\",\"engineering\"]"), new Claim("roles", "owner"), new Claim("roles", "reader"),
        ]));

        var identity = ProviderClaims.IdentityOf(principal, "roles").ShouldNotBeNull();

        identity.Subject.ShouldBe("00u-ada");
        identity.PreferredUserName.ShouldBe("ada");
        identity.Email.ShouldBe("ada@corp.example");
        identity.EmailVerified.ShouldBe(false);
        identity.Groups.ShouldBe(["onemcp-admins", "engineering"]);
        identity.RoleValues.ShouldBe(["owner", "reader"]);
        ProviderClaims.IdentityOf(new ClaimsPrincipal(new ClaimsIdentity([new Claim("email", "x@y.z")])), "groups").ShouldBeNull();
    }
}
