using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OneMcp.LoadGen;

/// <summary>
/// Gets an access token from a gateway running with --enable-auth the way a client and its user do:
/// dynamic registration, sign-in, consent (approve), and the code exchange with PKCE.
/// </summary>
internal static partial class OAuthLogin
{
    public const string User = "loadgen";
    public const string Password = "loadgen benchmark password";
    private const string RedirectUri = "http://127.0.0.1:9/callback";

    public static async Task<string> AccessTokenAsync(Uri gatewayBase, CancellationToken cancel)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = gatewayBase };
        using var registration = await http.PostAsJsonAsync("/register", new { redirect_uris = new[] { RedirectUri }, token_endpoint_auth_method = "none", client_name = "OneMcp LoadGen" }, cancel);
        registration.EnsureSuccessStatusCode();
        var clientId = (string)JsonNode.Parse(await registration.Content.ReadAsStringAsync(cancel))!["client_id"]!;

        using var login = await http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", User), KeyValuePair.Create("password", Password), KeyValuePair.Create("returnUrl", "/")]), cancel);
        if (login.StatusCode != HttpStatusCode.Found)
        {
            throw new InvalidOperationException($"sign-in to the gateway failed: {(int)login.StatusCode}");
        }

        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var consent = await http.GetStringAsync(
            $"/authorize?response_type=code&client_id={clientId}&redirect_uri={Uri.EscapeDataString(RedirectUri)}&code_challenge={challenge}&code_challenge_method=S256&state=bench",
            cancel);
        var fields = HiddenInput().Matches(consent).Select(m => KeyValuePair.Create(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value))).ToList();
        fields.Add(KeyValuePair.Create("action", "approve"));
        using var approved = await http.PostAsync("/authorize", new FormUrlEncodedContent(fields), cancel);
        var location = approved.Headers.Location ?? throw new InvalidOperationException($"the consent was not accepted: {(int)approved.StatusCode}");
        var code = CodeParameter().Match(location.Query).Groups["code"].Value;

        using var token = await http.PostAsync("/token", new FormUrlEncodedContent([
            KeyValuePair.Create("grant_type", "authorization_code"), KeyValuePair.Create("client_id", clientId), KeyValuePair.Create("code", Uri.UnescapeDataString(code)),
            KeyValuePair.Create("redirect_uri", RedirectUri), KeyValuePair.Create("code_verifier", verifier)]), cancel);
        token.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await token.Content.ReadAsStringAsync(cancel))!["access_token"]!;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]*)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("[?&]code=(?<code>[^&]+)")]
    private static partial Regex CodeParameter();
}
