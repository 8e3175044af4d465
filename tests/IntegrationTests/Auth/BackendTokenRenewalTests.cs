using System.Net;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.IntegrationTests.Persistence;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>Only a refusal of the grant drops a backend's tokens; any other failed renewal keeps them.</summary>
public sealed class BackendTokenRenewalTests(SqliteDatabaseFixture fixture) : IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private static readonly ServerName Vault = ServerName.From("vault");
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static readonly BackendOAuthClientRegistration Client = new(
        "https://vault.example.com", new Uri("https://vault.example.com/authorize"), new Uri("https://vault.example.com/token"),
        new Uri("https://gateway.example.com/oauth/callback/vault"), "client-1", null, "https://vault.example.com/mcp", Registered: true);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private readonly IDataProtectionProvider _keys = new EphemeralDataProtectionProvider();
    private readonly TokenEndpoint _endpoint = new();
    private TestDatabase _db = null!;

    private BackendCredentialStore Shared => new(_db.Factory, _keys, _time);

    private UserConnectionStore Users => new(_db.Factory, _keys, _time);

    public async Task InitializeAsync()
    {
        _db = await fixture.GetAsync();
        await _db.ResetAsync();
        await new BackendServiceRepository(_db.Factory, _keys).AddAsync(
            BackendService.Register(
                new StreamableHttpBackendSettings { Name = Vault, Url = new Uri("https://vault.example.com/mcp") }, BackendOrigin.Api, _time.GetUtcNow()),
            Ct);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "text/html", "<html><body>404 Not Found</body></html>")]
    [InlineData(HttpStatusCode.Forbidden, "text/html", "<html><body>Blocked by the proxy</body></html>")]
    [InlineData(HttpStatusCode.OK, "application/json", """{"token_type":"Bearer"}""")]
    [InlineData(HttpStatusCode.BadRequest, "application/json", """{"error":"invalid_request"}""")]
    public async Task AnAnswerThatIsNoRefusalOfTheGrant_KeepsTheTokens_AndTheyAreRenewedAfterThePause(HttpStatusCode status, string mediaType, string body)
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.AnswerOnce(status, mediaType, body);
        var source = Source();

        var failure = await Should.ThrowAsync<HttpRequestException>(() => source.GetAccessTokenAsync(Vault, Ct).AsTask());
        failure.Message.ShouldContain("tries again shortly");
        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens!.RefreshToken.ShouldBe("refresh-1");
        source.HasTokens(Vault).ShouldBeTrue();

        _endpoint.Renew("refresh-1", "access-2", "refresh-2");
        _time.Advance(BackendTokenSource.TransientRetryDelay);
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-2");
        _endpoint.Presented.ShouldBe(["refresh-1", "refresh-1"]);
    }

    [Theory]
    [InlineData("invalid_grant")]
    [InlineData("invalid_client")]
    [InlineData("unauthorized_client")]
    public async Task ARefusalOfTheGrant_DropsTheTokens(string error)
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.AnswerOnce(HttpStatusCode.BadRequest, "application/json", $$"""{"error":"{{error}}"}""");
        var source = Source();

        var refused = await Should.ThrowAsync<BackendAuthorizationRequiredException>(() => source.GetAccessTokenAsync(Vault, Ct).AsTask());

        refused.Message.ShouldContain(error);
        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens.ShouldBeNull();
        source.HasTokens(Vault).ShouldBeFalse();
    }

    private BackendTokenSource Source() => new(
        Shared, Users, Http(), _time, NullLogger<BackendTokenSource>.Instance, new BackendRefreshLock(_db.Factory));

    private BackendOAuthHttp Http() => new(new HttpClient(_endpoint, disposeHandler: false));

    private async Task StoreAsync(BackendTokenSet tokens) =>
        await Shared.UpdateAsync(Vault, c => c with { Client = tokens.Client, Tokens = tokens }, Ct);

    private BackendTokenSet Expired(string access, string refresh) =>
        new(access, refresh, _time.GetUtcNow().AddHours(-2), _time.GetUtcNow().AddHours(-1), ["mcp:read"], Client);

    /// <summary>
    /// A backend's token endpoint that rotates refresh tokens: each one it was told to renew is renewed once, then
    /// refused (invalid_grant) like any other.
    /// </summary>
    private sealed class TokenEndpoint : HttpMessageHandler
    {
        private readonly Dictionary<string, (string Access, string Refresh)> _renewals = new(StringComparer.Ordinal);
        private readonly List<string> _presented = [];
        private (HttpStatusCode Status, string MediaType, string Body)? _once;

        public IReadOnlyList<string> Presented
        {
            get
            {
                lock (_presented)
                {
                    return [.. _presented];
                }
            }
        }

        public void Renew(string refreshToken, string access, string refresh)
        {
            lock (_presented)
            {
                _renewals[refreshToken] = (access, refresh);
            }
        }

        /// <summary>The next request is answered this way, whatever it presents.</summary>
        public void AnswerOnce(HttpStatusCode status, string mediaType, string body)
        {
            lock (_presented)
            {
                _once = (status, mediaType, body);
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = System.Web.HttpUtility.ParseQueryString(await request.Content!.ReadAsStringAsync(CancellationToken.None));
            var presented = form["refresh_token"] ?? string.Empty;
            (string Access, string Refresh)? renewed = null;
            (HttpStatusCode Status, string MediaType, string Body)? once;
            lock (_presented)
            {
                _presented.Add(presented);
                once = _once;
                _once = null;
                if (once is null && _renewals.Remove(presented, out var found))
                {
                    renewed = found;
                }
            }

            if (once is { } answer)
            {
                return new HttpResponseMessage(answer.Status) { Content = new StringContent(answer.Body, Encoding.UTF8, answer.MediaType) };
            }

            return renewed is { } tokens
                ? Json(HttpStatusCode.OK, $$"""{"access_token":"{{tokens.Access}}","refresh_token":"{{tokens.Refresh}}","token_type":"Bearer","expires_in":3600}""")
                : Json(HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"The refresh token is unknown."}""");
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
