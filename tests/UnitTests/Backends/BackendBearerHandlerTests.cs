using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.UnitTests.Backends;

/// <summary>
/// What the backend's bearer handler does without renewing (renewal and the second send against a real backend:
/// <c>BackendOAuthTests</c>): a token goes with each request, and a refused request whose body cannot be written twice
/// is handed back and the connection told, never sent again half-empty.
/// </summary>
public sealed class BackendBearerHandlerTests : IAsyncDisposable
{
    private static readonly ServerName Vault = ServerName.From("vault");

    private static readonly BackendOAuthClientRegistration Client = new(
        "https://as.example.com", new Uri("https://as.example.com/authorize"), new Uri("https://as.example.com/token"),
        new Uri("https://gateway.example.com/oauth/callback/vault"), "client-1", null, "https://vault.example.com/mcp", Registered: true);

    // Never opened: every token these tests use is already in memory.
    private readonly NpgsqlConnectionFactory _neverOpened = new("Host=127.0.0.1;Port=1;Username=onemcp");
    private readonly HttpClient _oauth = new();
    private readonly BackendTokenSource _tokens;

    public BackendBearerHandlerTests()
    {
        var keys = new EphemeralDataProtectionProvider();
        _tokens = new BackendTokenSource(
            new BackendCredentialStore(_neverOpened, keys, TimeProvider.System),
            new UserConnectionStore(_neverOpened, keys, TimeProvider.System),
            new BackendOAuthHttp(_oauth), TimeProvider.System, NullLogger<BackendTokenSource>.Instance);
        var now = DateTimeOffset.UtcNow;
        _tokens.Use(Vault, new BackendTokenSet("token-1", "refresh-1", now, now.AddHours(1), [], Client));
    }

    [Fact]
    public async Task ARequest_CarriesTheBackendsAccessToken()
    {
        var backend = new Backend(HttpStatusCode.OK);
        var rejected = 0;
        using var client = new HttpClient(new BackendBearerHandler(Vault, null, _tokens, () => rejected++) { InnerHandler = backend });

        using var response = await client.PostAsync("https://vault.example.com/mcp", new StringContent("{}"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        backend.Authorizations.ShouldBe(["Bearer token-1"]);
        rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ARequestToAnotherOrigin_ThanTheTokensResource_CarriesNoToken()
    {
        // The backend's URL was moved after it was authorized for https://vault.example.com/mcp.
        var backend = new Backend(HttpStatusCode.OK);
        using var client = new HttpClient(new BackendBearerHandler(Vault, null, _tokens, () => { }) { InnerHandler = backend });

        using var response = await client.PostAsync("http://127.0.0.1/mcp", new StringContent("{}"));

        backend.Authorizations.ShouldBe([null]);
    }

    [Fact]
    public async Task ARefusedRequestWithAStreamedBody_IsNotSentAgain_AndTheConnectionIsTold()
    {
        var backend = new Backend(HttpStatusCode.Unauthorized);
        var rejected = 0;
        using var client = new HttpClient(new BackendBearerHandler(Vault, null, _tokens, () => rejected++) { InnerHandler = backend });

        using var response = await client.PostAsync("https://vault.example.com/mcp", new StreamContent(new MemoryStream([1, 2, 3])));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        backend.Authorizations.ShouldBe(["Bearer token-1"]);
        rejected.ShouldBe(1);
    }

    public async ValueTask DisposeAsync()
    {
        _oauth.Dispose();
        await _neverOpened.DisposeAsync();
    }

    private sealed class Backend(HttpStatusCode status) : HttpMessageHandler
    {
        public List<string?> Authorizations { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorizations.Add(request.Headers.Authorization?.ToString());
            return Task.FromResult(new HttpResponseMessage(status));
        }
    }
}
