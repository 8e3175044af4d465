using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace OneMcp.TestServer.OAuth;

/// <summary>
/// The server's own addresses: <see cref="Base"/> is <c>http://127.0.0.1:&lt;port&gt;</c> as Kestrel bound it (so port 0
/// works), read on first use, which is after the server started.
/// </summary>
internal sealed class TestOAuthUrls(IServer server)
{
    private string? _base;

    public string Base => _base ??= server.Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/');

    /// <summary>The protected resource (RFC 8707 <c>resource</c>, RFC 9728 <c>resource</c>).</summary>
    public string Resource => Base + "/mcp";

    public string ResourceMetadata => Base + TestOAuthExtensions.ProtectedResourceMetadataPath + "/mcp";

    public string AuthorizationEndpoint => Base + TestOAuthExtensions.AuthorizePath;

    public string TokenEndpoint => Base + TestOAuthExtensions.TokenPath;

    public string RegistrationEndpoint => Base + TestOAuthExtensions.RegisterPath;
}
