using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace OneMcp.TestServer.OAuth;

/// <summary>
/// Everything the embedded authorization server knows, in memory: clients, one-time codes, access and refresh
/// tokens (32 random bytes, base64url) and the counters tests read. Thread-safe.
/// </summary>
internal sealed class TestOAuthStore
{
    private readonly ConcurrentDictionary<string, OAuthClient> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AuthorizationCodeGrant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AccessTokenGrant> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefreshTokenGrant> _refreshTokens = new(StringComparer.Ordinal);
    private readonly TestOAuthSettings _settings;
    private readonly TimeProvider _time;
    private long _codesIssued;
    private long _accessTokensIssued;
    private long _refreshes;

    public TestOAuthStore(TestOAuthSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        if (settings.PreRegisteredClientId is { } id)
        {
            var secret = settings.PreRegisteredClientSecret;
            _clients[id] = new OAuthClient(
                id,
                secret,
                ClientName: id,
                RedirectUris: [],
                secret is null ? TestOAuthConstants.AuthMethodNone : TestOAuthConstants.AuthMethodBasic,
                TestOAuthConstants.GrantTypes,
                Scope: null,
                time.GetUtcNow(),
                AcceptsAnyRedirectUri: true);
        }
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    public OAuthClient? FindClient(string? clientId) =>
        clientId is not null && _clients.TryGetValue(clientId, out var client) ? client : null;

    public OAuthClient Register(
        string? clientName, IReadOnlyList<string> redirectUris, string authMethod, IReadOnlyList<string> grantTypes, string? scope)
    {
        var client = new OAuthClient(
            "client-" + NewToken(),
            authMethod == TestOAuthConstants.AuthMethodNone ? null : NewToken(),
            clientName,
            redirectUris,
            authMethod,
            grantTypes,
            scope,
            Now);
        _clients[client.ClientId] = client;
        return client;
    }

    public string IssueCode(OAuthClient client, string redirectUri, string codeChallenge, string scope, string? resource, string subject)
    {
        var code = NewToken();
        _codes[code] = new AuthorizationCodeGrant(client.ClientId, redirectUri, codeChallenge, scope, resource, Now + TestOAuthConstants.CodeLifetime, subject);
        Interlocked.Increment(ref _codesIssued);
        return code;
    }

    /// <summary>Takes the code out of the store (a code works once, whatever happens next); null when unknown or expired.</summary>
    public AuthorizationCodeGrant? RedeemCode(string code) =>
        _codes.TryRemove(code, out var grant) && grant.ExpiresAt > Now ? grant : null;

    public RefreshTokenGrant? FindRefreshToken(string refreshToken) =>
        _refreshTokens.TryGetValue(refreshToken, out var grant) ? grant : null;

    /// <summary>Takes the refresh token out of the store (rotation: it never works again); false when someone else took it first.</summary>
    public bool RedeemRefreshToken(string refreshToken, RefreshTokenGrant grant)
    {
        if (!_refreshTokens.TryRemove(KeyValuePair.Create(refreshToken, grant)))
        {
            return false;
        }

        Interlocked.Increment(ref _refreshes);
        return true;
    }

    public IssuedTokens IssueTokens(OAuthClient client, string scope, string? resource, string subject)
    {
        var accessToken = NewToken();
        _accessTokens[accessToken] = new AccessTokenGrant(client.ClientId, scope, resource, Now + _settings.AccessTokenLifetime, subject);
        Interlocked.Increment(ref _accessTokensIssued);

        string? refreshToken = null;
        if (client.GrantTypes.Contains(TestOAuthConstants.GrantRefreshToken))
        {
            refreshToken = NewToken();
            _refreshTokens[refreshToken] = new RefreshTokenGrant(client.ClientId, scope, resource, subject);
        }

        return new IssuedTokens(accessToken, refreshToken, scope, _settings.AccessTokenLifetime);
    }

    /// <summary>The grant of a known, unexpired, unrevoked access token; null otherwise.</summary>
    public AccessTokenGrant? ValidateAccessToken(string accessToken) =>
        _accessTokens.TryGetValue(accessToken, out var grant) && grant.ExpiresAt > Now ? grant : null;

    /// <summary>Test hook: every access and refresh token stops working (the backend revoked its clients).</summary>
    public void RevokeAll()
    {
        _accessTokens.Clear();
        _refreshTokens.Clear();
    }

    /// <summary>Test hook: every access token stops working before its time; refresh tokens still renew them.</summary>
    public void RevokeAccessTokens() => _accessTokens.Clear();

    /// <summary>Test hook: while true, the token endpoint answers 503 (an outage), and every grant stays as it was.</summary>
    public bool TokenEndpointDown { get; set; }

    public TestOAuthStats Stats()
    {
        var now = Now;
        return new TestOAuthStats(
            Interlocked.Read(ref _codesIssued),
            Interlocked.Read(ref _accessTokensIssued),
            Interlocked.Read(ref _refreshes),
            _accessTokens.Values.Count(t => t.ExpiresAt > now));
    }

    /// <summary>RFC 7636 S256: BASE64URL(SHA256(ASCII(verifier))) must equal the challenge; the verifier has 43 to 128 characters.</summary>
    public static bool VerifyPkce(string? verifier, string challenge)
    {
        if (verifier is null || verifier.Length is < 43 or > 128)
        {
            return false;
        }

        var computed = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(challenge));
    }

    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
