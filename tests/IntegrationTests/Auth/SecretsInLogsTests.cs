using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// A whole OAuth flow at debug level leaves no token, code, verifier, secret or password in the logs; a backend that
/// prints its own credential to its standard error leaves it there neither.
/// </summary>
public sealed class SecretsInLogsTests
{
    [Fact]
    public async Task FullFlow_AtDebugLevel_LogsNoSecret()
    {
        var capture = new LogCapture();
        const string Password = "a password nobody may log";
        await using var gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            adjust: o => o with { LogLevel = LogLevel.Debug },
            configureBuilder: b => b.Logging.AddProvider(capture));
        await gateway.AddUserAsync("ada", Password);
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        const string RedirectUri = "http://127.0.0.1:45999/cb";

        var registration = await driver.RegisterClientAsync([RedirectUri], tokenEndpointAuthMethod: "client_secret_post");
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(registration.ClientId!, RedirectUri, ["tag:web", "offline_access"], pkce, "ada", Password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(registration.ClientId!, code, RedirectUri, pkce.Verifier, clientSecret: registration.ClientSecret);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        var refreshed = await driver.RefreshAsync(registration.ClientId!, tokens.RefreshToken!, clientSecret: registration.ClientSecret);
        refreshed.IsSuccess.ShouldBeTrue(refreshed.Body);
        using (var http = new HttpClient { BaseAddress = gateway.BaseUrl })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshed.AccessToken);
            (await http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

            // A refused bearer token is logged with OpenIddict's reason, never with the token.
            using var refused = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
            };
            refused.Headers.Accept.ParseAdd("application/json, text/event-stream");
            refused.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tampered(refreshed.AccessToken!));
            (await http.SendAsync(refused)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await driver.RevokeAsync(registration.ClientId!, refreshed.RefreshToken!, registration.ClientSecret)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await driver.ExchangeCodeAsync(registration.ClientId!, code, RedirectUri, pkce.Verifier, clientSecret: registration.ClientSecret)).Error.ShouldBe("invalid_grant");

        capture.Lines.Count.ShouldBeGreaterThan(20, "the capture must have seen the flow's logs");
        capture.Lines.ShouldContain(l => l.Contains("Refused an OAuth token request", StringComparison.Ordinal) && l.Contains("invalid_grant", StringComparison.Ordinal));
        capture.Lines.ShouldContain(l => l.Contains("Refused the bearer token of a request to /mcp: invalid_token", StringComparison.Ordinal));
        string[] secrets = [Password, code, pkce.Verifier, registration.ClientSecret!, tokens.AccessToken!, tokens.RefreshToken!, refreshed.AccessToken!, refreshed.RefreshToken!, Tampered(refreshed.AccessToken!)];
        foreach (var secret in secrets)
        {
            capture.Lines.Where(l => l.Contains(secret, StringComparison.Ordinal)).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task ABackendPrintingItsSecretToStandardError_AtDebugLevel_IsLoggedWithoutTheSecret()
    {
        var capture = new LogCapture();
        const string Secret = "sk-a-key-nobody-may-log";
        var refusing = new JsonObject
        {
            ["command"] = "sh",
            ["args"] = new JsonArray("-c", "echo \"invalid API key $API_KEY\" >&2; exit 3"),
            ["env"] = new JsonObject { ["API_KEY"] = Secret },
        };

        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("refusing", refusing),
            adjust: o => o with { LogLevel = LogLevel.Debug },
            configureBuilder: b => b.Logging.AddProvider(capture));

        gateway.Backend("refusing").State.Status.ShouldBe(BackendStatus.Error);
        capture.Lines.Where(l => l.Contains(Secret, StringComparison.Ordinal)).ShouldBeEmpty();
        capture.Lines.ShouldContain(l => l.Contains("invalid API key ********", StringComparison.Ordinal));
    }

    /// <summary>The token with its last characters changed: the same shape, not a valid token.</summary>
    private static string Tampered(string token) => token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
}
