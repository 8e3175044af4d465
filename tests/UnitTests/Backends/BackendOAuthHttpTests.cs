using System.Net;
using System.Text;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.UnitTests.Backends;

public sealed class BackendOAuthHttpTests
{
    private static readonly Uri RemoteBackend = new("https://backend.example/mcp");

    [Theory]
    [InlineData("http://127.0.0.1:9/meta", "must use https")]
    [InlineData("http://metadata.example/meta", "must use https")]
    [InlineData("https://localhost/meta", "is on loopback while the backend is not")]
    [InlineData("https://127.0.0.1/meta", "is on loopback while the backend is not")]
    public async Task DiscoverAsync_WhenARemoteBackendNamesAnUnsafeResourceMetadataUrl_RefusesWithoutFetchingIt(string named, string reason)
    {
        var server = new ScriptedServer();
        server.Answer(RemoteBackend, Unauthorized(named));
        var http = new BackendOAuthHttp(new HttpClient(server));

        var e = await Should.ThrowAsync<BackendOAuthException>(() => http.DiscoverAsync(RemoteBackend, CancellationToken.None));

        e.Code.ShouldBe(BackendOAuthException.DiscoveryFailed);
        e.Message.ShouldContain(reason);
        server.Requested.ShouldBe([RemoteBackend]);
    }

    [Fact]
    public async Task DiscoverAsync_WhenARemoteBackendNamesAPlainHttpAuthorizationServer_Refuses()
    {
        var server = new ScriptedServer();
        server.Answer(RemoteBackend, Unauthorized("https://backend.example/.well-known/oauth-protected-resource/mcp"));
        server.Answer(new Uri("https://backend.example/.well-known/oauth-protected-resource/mcp"), Json("""{"resource":"https://backend.example/mcp","authorization_servers":["http://127.0.0.1:8080"]}"""));
        var http = new BackendOAuthHttp(new HttpClient(server));

        var e = await Should.ThrowAsync<BackendOAuthException>(() => http.DiscoverAsync(RemoteBackend, CancellationToken.None));

        e.Message.ShouldBe("The authorization server (http://127.0.0.1:8080/) must use https: plain http is accepted only on loopback, for a backend on loopback over http.");
        server.Requested.ShouldNotContain(u => u.IsLoopback);
    }

    [Fact]
    public async Task DiscoverAsync_WhenALoopbackHttpBackendNamesALoopbackHttpServer_AcceptsIt()
    {
        var backend = new Uri("http://127.0.0.1:5000/mcp");
        var server = new ScriptedServer();
        server.Answer(backend, Unauthorized("http://127.0.0.1:5000/.well-known/oauth-protected-resource/mcp"));
        server.Answer(new Uri("http://127.0.0.1:5000/.well-known/oauth-protected-resource/mcp"), Json("""{"resource":"http://127.0.0.1:5000/mcp","authorization_servers":["http://127.0.0.1:5000"]}"""));
        server.Answer(new Uri("http://127.0.0.1:5000/.well-known/oauth-authorization-server"), Json("""
            {"issuer":"http://127.0.0.1:5000","authorization_endpoint":"http://127.0.0.1:5000/authorize","token_endpoint":"http://127.0.0.1:5000/token","code_challenge_methods_supported":["S256"]}
            """));
        var http = new BackendOAuthHttp(new HttpClient(server));

        var discovered = await http.DiscoverAsync(backend, CancellationToken.None);

        discovered.TokenEndpoint.ShouldBe(new Uri("http://127.0.0.1:5000/token"));
    }

    [Fact]
    public async Task RefreshAsync_WhenAStoredRegistrationOfARemoteBackendNamesALoopbackTokenEndpoint_RefusesWithoutPosting()
    {
        var server = new ScriptedServer();
        var http = new BackendOAuthHttp(new HttpClient(server));
        var client = new BackendOAuthClientRegistration(
            "https://auth.example", new Uri("https://auth.example/authorize"), new Uri("http://127.0.0.1:8080/token"),
            new Uri("https://gateway.example/oauth/callback/b"), "client", null, "https://backend.example/mcp", Registered: true);

        var e = await Should.ThrowAsync<BackendOAuthException>(() => http.RefreshAsync(client, "refresh-token", CancellationToken.None));

        e.Message.ShouldContain("token_endpoint (http://127.0.0.1:8080/token) must use https");
        server.Requested.ShouldBeEmpty();
    }

    private static HttpResponseMessage Unauthorized(string resourceMetadata)
    {
        var response = new HttpResponseMessage(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ParseAdd($"Bearer resource_metadata=\"{resourceMetadata}\"");
        return response;
    }

    private static HttpResponseMessage Json(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>Answers scripted URLs (404 for the rest) and records every URL asked for.</summary>
    private sealed class ScriptedServer : HttpMessageHandler
    {
        private readonly Dictionary<Uri, Func<HttpResponseMessage>> _answers = [];

        public List<Uri> Requested { get; } = [];

        public void Answer(Uri url, HttpResponseMessage response) => _answers[url] = () => response;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested.Add(request.RequestUri!);
            return Task.FromResult(_answers.TryGetValue(request.RequestUri!, out var answer) ? answer() : new HttpResponseMessage(HttpStatusCode.NotFound));
        }
    }
}
