using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Security;

/// <summary>
/// The finding as a new user met it, against a real <c>onemcp serve --enable-auth</c> process: a client that
/// registered itself and that an administrator approved must not be able to add a stdio backend whose command runs
/// on the gateway's host. Only an explicitly ticked <c>onemcp:admin</c> gives a token that right.
/// </summary>
public sealed class AdminScopeProcessTests : IDisposable
{
    private const string Admin = "alice";
    private const string Password = "correct horse battery staple";
    private const string RedirectUri = "https://agent.example.com/oauth/callback";
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AddStdioBackend_WithATokenTheAdminApproved_IsRefusedAndItsCommandNeverRuns_UnlessTheAdminScopeWasTicked()
    {
        var marker = _directory.File("command-ran");
        var environment = new Dictionary<string, string> { ["ONEMCP_ADMIN_USERNAME"] = Admin, ["ONEMCP_ADMIN_PASSWORD"] = Password };
        await using var gateway = GatewayProcess.Start(
            [.. DurableGateway.ServeArgs(DurableGateway.EmptyConfig(_directory)), "--enable-auth", "--data-dir", _directory.File("data")], _directory.Path, environment);
        await gateway.WaitForListeningAsync();
        var driver = new OAuthFlowDriver(gateway.BaseUrl);

        var approved = await TokenAsync(driver, ticked: []);
        using var refused = await AddBackendAsync(gateway.BaseUrl, approved, "pwned", marker);

        // The backend added next with the admin scope runs its command: once its marker exists, a backend accepted
        // before it has had the same time to start, so the refused one's marker would exist too had it been accepted.
        var administering = await TokenAsync(driver, ticked: ["onemcp:admin"]);
        var allowedMarker = _directory.File("allowed-ran");
        using var accepted = await AddBackendAsync(gateway.BaseUrl, administering, "allowed", allowedMarker);
        await Eventually.TrueAsync(() => File.Exists(allowedMarker), "the accepted backend's command to run");

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await refused.Content.ReadAsStringAsync());
        refused.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer error=\"insufficient_scope\", scope=\"onemcp:admin\"");
        File.Exists(marker).ShouldBeFalse();
        accepted.StatusCode.ShouldBe(HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
    }

    private static async Task<string> TokenAsync(OAuthFlowDriver driver, string[] ticked)
    {
        // Any https redirect will do, and the client names itself: all the admin sees is that name and the host.
        var client = (await driver.RegisterClientAsync([RedirectUri], clientName: "Helpful Assistant")).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, ["onemcp:admin"], pkce, Admin, Password, selectedScopes: ticked)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return tokens.AccessToken!;
    }

    private static async Task<HttpResponseMessage> AddBackendAsync(Uri baseUrl, string token, string name, string marker)
    {
        using var http = new HttpClient { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.PostAsJsonAsync("/api/backends", new { name, command = "/bin/sh", args = new[] { "-c", $"touch '{marker}'" } });
    }
}
