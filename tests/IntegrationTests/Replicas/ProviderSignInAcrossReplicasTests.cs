using System.Globalization;
using System.Net;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Sso;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.Oidc;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Two <c>onemcp serve</c> replicas on one PostgreSQL database behind one external URL, signing people in with the
/// identity provider: a sign-in started on one replica is finished by the other (the state token and the key ring are
/// shared through the database), once only, and the session then works on both.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class ProviderSignInAcrossReplicasTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ASignInStartedOnOneReplica_IsFinishedByTheOther_OnceOnly_AndTheSessionWorksOnBoth()
    {
        var database = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());
        var ports = new[] { GatewayProcess.FreePort(), GatewayProcess.FreePort() };
        var external = new Uri($"http://127.0.0.1:{ports[0]}");
        await using var provider = await OidcProviderProcess.StartForGatewayAsync(ports[0], SsoGateway.Accounts);
        var gateways = new List<GatewayProcess>();
        try
        {
            foreach (var port in ports)
            {
                var gateway = GatewayProcess.Start(
                    ["serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--enable-auth", "--external-url", external.ToString(), "--database", database,
                        "--oidc-issuer", provider.IssuerString, "--oidc-client-id", provider.ClientId, "--oidc-display-name", SsoGateway.DisplayName,
                        "--oidc-admin-values", SsoGateway.AdminGroup],
                    _directory.Path,
                    new Dictionary<string, string> { ["ONEMCP_OIDC_CLIENT_SECRET"] = provider.ClientSecret });
                gateways.Add(gateway);
                await gateway.WaitForListeningAsync();
            }

            // A browser of the external URL behind a load balancer without stickiness: its connections go to whichever
            // replica `target` names, the URLs and the Host header stay the external ones.
            var target = ports[0];
            using var browser = new HttpClient(new SocketsHttpHandler
            {
                CookieContainer = new CookieContainer(),
                AllowAutoRedirect = false,
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, target), cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                },
                PooledConnectionLifetime = TimeSpan.Zero,
            });
            Uri? callback = null;
            var signedIn = await new OidcSignInDriver(provider).SignInAsync(external, browser, "ada", "/oauth", tamperCallback: uri =>
            {
                // Started on the first replica; the provider's answer lands on the second.
                target = ports[1];
                return callback = uri;
            });

            signedIn.StatusCode.ShouldBe(HttpStatusCode.Found, signedIn.Body);
            foreach (var replica in ports)
            {
                target = replica;
                using var session = await browser.GetAsync(new Uri(external, "/api/session"));
                session.StatusCode.ShouldBe(HttpStatusCode.OK, $"replica on {replica}");
                (await session.Content.ReadAsStringAsync()).ShouldContain("\"name\":\"ada\",\"role\":\"admin\"");
            }

            // The same answer replayed on the first replica: the state was used once, on the second.
            target = ports[0];
            using var replayed = await browser.GetAsync(callback!);
            replayed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await replayed.Content.ReadAsStringAsync()).ShouldContain("Sign-in with Corp SSO failed");
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }
        }
    }
}
