using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;
using OpenIddict.Abstractions;
using SdkAuthorizationResult = ModelContextProtocol.Authentication.AuthorizationResult;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// The real ModelContextProtocol C# client's OAuth support against the gateway: it discovers the
/// authorization server from the 401, registers itself (RFC 7591), runs the authorization code flow with
/// PKCE (the "browser" is scripted over HTTP with <see cref="OAuthFlowDriver"/>), and calls tools with the token.
/// </summary>
public sealed class SdkOAuthClientTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private string Base => fixture.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/');

    [Fact]
    public async Task McpClient_WithOAuth_RegistersSignsInCallsAToolAndASecondClientReusesTheTokenCache()
    {
        await using var listener = await LoopbackCallbackListener.StartAsync();
        var cache = new RecordingTokenCache();
        var registrations = new List<DynamicClientRegistrationResponse>();
        var authorizationUris = new List<Uri>();
        var redirects = new List<AuthorizationRedirect>();

        ClientOAuthOptions OAuthOptions() => new()
        {
            RedirectUri = listener.RedirectUri,
            DynamicClientRegistration = new DynamicClientRegistrationOptions
            {
                ClientName = "SDK e2e",
                ResponseDelegate = (response, _) =>
                {
                    registrations.Add(response);
                    return Task.CompletedTask;
                },
            },
            AuthorizationCallbackHandler = async (context, cancellationToken) =>
            {
                authorizationUris.Add(context.AuthorizationUri);
                var result = await OAuthFlowDriver.AuthorizeAtAsync(
                    context.AuthorizationUri, context.RedirectUri.AbsoluteUri, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, cancellationToken: cancellationToken);
                redirects.Add(result.Redirect);
                return new SdkAuthorizationResult { Code = result.Redirect.Code, State = result.Redirect.State, Iss = result.Redirect.Iss };
            },
            TokenCache = cache,
        };

        using var cts = new CancellationTokenSource(Timeout);
        await using (var first = await ConnectAsync(OAuthOptions(), cts.Token))
        {
            var tools = await first.ListToolsAsync(cancellationToken: cts.Token);
            tools.Select(t => t.Name).ShouldContain("alpha_1mcp_echo");
            (await EchoAsync(first, "hi", cts.Token)).ShouldContain("hi");
        }

        // Dynamic client registration happened once, under the SDK's client name, and the client exists on the server.
        var registration = registrations.ShouldHaveSingleItem();
        registration.ClientId.ShouldNotBeNullOrEmpty();

        // The SDK registers as a confidential client (client_secret_post), so the gateway issues it a secret.
        registration.TokenEndpointAuthMethod.ShouldBe("client_secret_post");
        registration.ClientSecret.ShouldNotBeNullOrEmpty();
        registration.RedirectUris.ShouldNotBeNull().ShouldContain(listener.RedirectUri.AbsoluteUri);
        await using (var scope = fixture.Gateway.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var application = await applications.FindByClientIdAsync(registration.ClientId, cts.Token);
            application.ShouldNotBeNull();
            (await applications.GetDisplayNameAsync(application, cts.Token)).ShouldBe("SDK e2e");
        }

        // One authorization request, with PKCE S256 and the gateway's /mcp as the resource (RFC 8707).
        var authorizationUri = authorizationUris.ShouldHaveSingleItem();
        authorizationUri.GetLeftPart(UriPartial.Path).ShouldBe(Base + "/authorize");
        var query = QueryHelpers.ParseQuery(authorizationUri.Query);
        query["client_id"].ToString().ShouldBe(registration.ClientId);
        query["response_type"].ToString().ShouldBe("code");
        query["code_challenge_method"].ToString().ShouldBe("S256");
        query["code_challenge"].ToString().ShouldNotBeNullOrEmpty();
        query["resource"].ToString().ShouldBe(Base + "/mcp");
        query["redirect_uri"].ToString().ShouldBe(listener.RedirectUri.AbsoluteUri);

        // The server answered on the loopback redirect URI with the code, the SDK's own state and the issuer.
        var redirect = redirects.ShouldHaveSingleItem();
        redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(listener.RedirectUri.AbsoluteUri);
        redirect.Code.ShouldNotBeNullOrEmpty();
        redirect.State.ShouldBe(query["state"].ToString());
        redirect.Iss.ShouldBe(Base + "/");
        listener.Received.ShouldBeEmpty();

        // The SDK stored the tokens it got from /token, bound to the registered client.
        var stored = cache.Current.ShouldNotBeNull();
        stored.AccessToken.ShouldNotBeNullOrEmpty();
        stored.RefreshToken.ShouldNotBeNullOrEmpty();
        stored.ClientId.ShouldBe(registration.ClientId);
        cache.Stores.ShouldBe(1);

        // A second client with the same cache connects and calls a tool without signing in again.
        await using (var second = await ConnectAsync(OAuthOptions(), cts.Token))
        {
            (await EchoAsync(second, "hi again", cts.Token)).ShouldContain("hi again");
        }

        authorizationUris.Count.ShouldBe(1);
        registrations.Count.ShouldBe(1);
        cache.Stores.ShouldBe(1);
        cache.Reads.ShouldBeGreaterThan(1);
    }

    private async Task<McpClient> ConnectAsync(ClientOAuthOptions oauth, CancellationToken cancellationToken)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = fixture.Gateway.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = oauth,
        });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy }, cancellationToken: cancellationToken);
    }

    private static async Task<string> EchoAsync(McpClient client, string message, CancellationToken cancellationToken)
    {
        var result = await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = message }, cancellationToken: cancellationToken);
        result.IsError.ShouldNotBe(true);
        return string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
    }

    /// <summary>An in-memory <see cref="ITokenCache"/> that counts what the SDK does with it.</summary>
    private sealed class RecordingTokenCache : ITokenCache
    {
        private readonly Lock _gate = new();
        private TokenContainer? _tokens;
        private int _stores;
        private int _reads;

        public TokenContainer? Current
        {
            get
            {
                lock (_gate)
                {
                    return _tokens;
                }
            }
        }

        public int Stores => Volatile.Read(ref _stores);

        public int Reads => Volatile.Read(ref _reads);

        public ValueTask StoreTokensAsync(TokenContainer tokens, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _tokens = tokens;
            }

            Interlocked.Increment(ref _stores);
            return ValueTask.CompletedTask;
        }

        public ValueTask<TokenContainer?> GetTokensAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            lock (_gate)
            {
                return ValueTask.FromResult(_tokens);
            }
        }
    }
}
