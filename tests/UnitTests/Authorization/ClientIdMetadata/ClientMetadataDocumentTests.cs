using System.Text;
using OneMcp.Application.Authorization.ClientIdMetadata;

namespace OneMcp.UnitTests.Authorization.ClientIdMetadata;

public sealed class ClientMetadataDocumentTests
{
    private const string Url = "https://app.example.com/oauth/client.json";

    [Theory]
    [InlineData("https://app.example.com/oauth/client.json")]
    [InlineData("https://app.example.com/client?v=2")]
    public void ClientIdUrl_HttpsWithAPath_IsFetchable(string clientId)
    {
        ClientIdUrl.Problem(clientId, allowLoopbackHttp: false, out var url).ShouldBeNull();
        url.ShouldBe(new Uri(clientId));
    }

    [Theory]
    [InlineData("http://app.example.com/client.json", "must use https")]
    [InlineData("http://127.0.0.1:8080/client.json", "must use https")]
    [InlineData("https://app.example.com", "must have a path")]
    [InlineData("https://app.example.com/", "must have a path")]
    [InlineData("https://app.example.com/client.json#x", "fragment")]
    [InlineData("https://me:pw@app.example.com/client.json", "user information")]
    [InlineData("https://app.example.com/a/../client.json", "'.' or '..'")]
    [InlineData("https://app.example.com/./client.json", "'.' or '..'")]
    [InlineData("https://", "not a valid URL")]
    public void ClientIdUrl_Others_AreRefusedWithTheReason(string clientId, string reason)
    {
        ClientIdUrl.Problem(clientId, allowLoopbackHttp: false, out var url).ShouldNotBeNull().ShouldContain(reason);
        url.ShouldBeNull();
    }

    [Fact]
    public void ClientIdUrl_PlainHttp_IsAllowedForLoopbackOnlyInDevelopment()
    {
        ClientIdUrl.Problem("http://127.0.0.1:8080/client.json", allowLoopbackHttp: true, out _).ShouldBeNull();
        ClientIdUrl.Problem("http://app.example.com/client.json", allowLoopbackHttp: true, out _).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("https://app.example.com/client.json", true)]
    [InlineData("HTTP://127.0.0.1/x", true)]
    [InlineData("Xk2p9vQ3mN7rT1wZ5yB8cD", false)]
    [InlineData(null, false)]
    public void LooksLikeUrl_TellsDocumentsFromRegisteredIds(string? clientId, bool expected) => ClientIdUrl.LooksLikeUrl(clientId).ShouldBe(expected);

    [Fact]
    public void Read_APublicClientDocument_GivesTheClientWithItsHost()
    {
        var client = Read($$"""{"client_id":"{{Url}}","client_name":" Claude ","redirect_uris":["http://127.0.0.1/cb","https://app.example.com/cb"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}""", out var problem);

        problem.ShouldBeNull();
        client.ShouldNotBeNull();
        client.ClientId.ShouldBe(Url);
        client.Host.ShouldBe("app.example.com");
        client.DisplayName.ShouldBe("Claude (app.example.com)");
        client.RedirectUris.ShouldBe([new Uri("http://127.0.0.1/cb"), new Uri("https://app.example.com/cb")]);
        client.MayRefresh.ShouldBeTrue();
    }

    [Fact]
    public void Read_WithoutNameOrGrants_IsNamedByItsHostAndMayNotRefresh()
    {
        var client = Read($$"""{"client_id":"{{Url}}","redirect_uris":["https://app.example.com/cb"]}""", out _).ShouldNotBeNull();

        client.DisplayName.ShouldBe("app.example.com");
        client.MayRefresh.ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"client_id":"https://other.example.com/client.json","redirect_uris":["https://app.example.com/cb"]}""", "client_id is not the URL")]
    [InlineData("""{"client_id":"https://app.example.com/oauth/client.json/","redirect_uris":["https://app.example.com/cb"]}""", "client_id is not the URL")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb"]}""", "client_id is not the URL")]
    [InlineData("""{"client_id":"URL","redirect_uris":[]}""", "between 1 and 10 redirect_uris")]
    [InlineData("""{"client_id":"URL"}""", "between 1 and 10 redirect_uris")]
    [InlineData("""{"client_id":"URL","redirect_uris":["http://evil.example.com/cb"]}""", "redirect URI the gateway refuses")]
    [InlineData("""{"client_id":"URL","redirect_uris":[42]}""", "redirect URI the gateway refuses")]
    [InlineData("""{"client_id":"URL","redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"client_secret_basic"}""", "public clients only")]
    [InlineData("""{"client_id":"URL","redirect_uris":["https://app.example.com/cb"],"client_secret":"s"}""", "may not carry a client secret")]
    [InlineData("""{"client_id":"URL","redirect_uris":["https://app.example.com/cb"],"grant_types":["client_credentials"]}""", "grant_types")]
    [InlineData("""{"client_id":"URL","redirect_uris":["https://app.example.com/cb"],"response_types":["token"]}""", "response_types")]
    [InlineData("""{"client_id":"URL","redirect_uris":["https://app.example.com/cb"],"client_name":7}""", "client_name")]
    [InlineData("""[1]""", "not a JSON object")]
    [InlineData("""{"client_id":""", "not valid JSON")]
    public void Read_ADocumentThatDoesNotDescribeAPublicClientAtItsUrl_IsRefusedWithTheReason(string json, string reason)
    {
        Read(json.Replace("\"URL\"", $"\"{Url}\"", StringComparison.Ordinal), out var problem).ShouldBeNull();

        problem.ShouldNotBeNull().ShouldContain(reason);
    }

    private static ClientMetadataDocument? Read(string json, out string? problem) =>
        ClientMetadataDocument.Read(Url, new Uri(Url), Encoding.UTF8.GetBytes(json), out problem);
}
