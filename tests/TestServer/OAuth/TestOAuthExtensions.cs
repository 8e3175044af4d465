using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OneMcp.TestServer.OAuth;

/// <summary>
/// <c>--require-oauth</c>: the HTTP test server becomes an OAuth-protected resource with its own embedded
/// authorization server, so the gateway can be tested as an OAuth client of a backend. For tests only: clients,
/// codes and tokens live in memory, the consent page has no login, and <c>/test-oauth/*</c> are test hooks.
/// <list type="bullet">
/// <item><see cref="AddTestOAuth"/> registers the store; <see cref="UseTestOAuth"/> demands a Bearer token on the MCP
/// endpoints (<c>/mcp</c>, <c>/</c>, <c>/sse</c>, <c>/message</c>); <see cref="MapTestOAuth"/> maps the metadata,
/// registration, authorization, token and test-hook endpoints.</item>
/// </list>
/// </summary>
internal static class TestOAuthExtensions
{
    public const string ProtectedResourceMetadataPath = "/.well-known/oauth-protected-resource";
    public const string AuthorizationServerMetadataPath = "/.well-known/oauth-authorization-server";
    public const string OpenIdConfigurationPath = "/.well-known/openid-configuration";
    public const string RegisterPath = "/oauth/register";
    public const string AuthorizePath = "/oauth/authorize";
    public const string TokenPath = "/oauth/token";
    public const string RevokeAllPath = "/test-oauth/revoke-all";
    public const string RevokeAccessTokensPath = "/test-oauth/revoke-access-tokens";
    public const string StatsPath = "/test-oauth/stats";
    public const string TokenOutagePath = "/test-oauth/token-outage";

    public static IServiceCollection AddTestOAuth(this IServiceCollection services, TestOAuthSettings settings)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings);
        services.AddSingleton<TestOAuthStore>();
        services.AddSingleton<TestOAuthUrls>();
        return services;
    }

    /// <summary>
    /// 401 on the MCP endpoints without a valid access token, with <c>WWW-Authenticate: Bearer resource_metadata="…"</c>
    /// (plus <c>error="invalid_token"</c> when a token was presented). Everything else passes.
    /// </summary>
    public static IApplicationBuilder UseTestOAuth(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!IsMcpPath(context.Request.Path))
            {
                await next(context);
                return;
            }

            var header = context.Request.Headers.Authorization.ToString();
            var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Equals("Bearer", StringComparison.OrdinalIgnoreCase);
            var token = presented && header.Length > "Bearer ".Length ? header["Bearer ".Length..].Trim() : string.Empty;
            var store = context.RequestServices.GetRequiredService<TestOAuthStore>();
            if (token.Length > 0 && store.ValidateAccessToken(token) is not null)
            {
                await next(context);
                return;
            }

            var urls = context.RequestServices.GetRequiredService<TestOAuthUrls>();
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = presented
                ? $"Bearer error=\"invalid_token\", error_description=\"The access token is unknown, expired or revoked.\", resource_metadata=\"{urls.ResourceMetadata}\""
                : $"Bearer resource_metadata=\"{urls.ResourceMetadata}\"";
        });

    public static IEndpointRouteBuilder MapTestOAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(ProtectedResourceMetadataPath + "/mcp", TestOAuthEndpoints.ProtectedResourceMetadata);
        endpoints.MapGet(ProtectedResourceMetadataPath, TestOAuthEndpoints.ProtectedResourceMetadata);
        endpoints.MapGet(AuthorizationServerMetadataPath, TestOAuthEndpoints.AuthorizationServerMetadata);
        endpoints.MapGet(OpenIdConfigurationPath, TestOAuthEndpoints.AuthorizationServerMetadata);
        endpoints.MapPost(RegisterPath, TestOAuthEndpoints.RegisterAsync);
        endpoints.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], TestOAuthEndpoints.AuthorizeAsync);
        endpoints.MapPost(TokenPath, TestOAuthEndpoints.TokenAsync);

        // Test hooks, not OAuth: the backend revoking every grant or only the access tokens, and counters for assertions.
        endpoints.MapPost(RevokeAllPath, (TestOAuthStore store) =>
        {
            store.RevokeAll();
            return Results.NoContent();
        });
        endpoints.MapPost(RevokeAccessTokensPath, (TestOAuthStore store) =>
        {
            store.RevokeAccessTokens();
            return Results.NoContent();
        });
        endpoints.MapGet(StatsPath, TestOAuthEndpoints.Stats);
        endpoints.MapPost(TokenOutagePath, (TestOAuthStore store, bool down) =>
        {
            store.TokenEndpointDown = down;
            return Results.NoContent();
        });
        return endpoints;
    }

    private static bool IsMcpPath(PathString path) =>
        !path.HasValue || path == "/" || path.StartsWithSegments("/mcp") || path.StartsWithSegments("/sse") || path.StartsWithSegments("/message");
}
