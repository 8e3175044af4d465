using System.Net;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using System.Text.RegularExpressions;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>What the test backend's consent page showed, and where its form sent the user agent.</summary>
public sealed record TestBackendConsentResult(string Title, HtmlForm Form, AuthorizationRedirect Redirect);

/// <summary>
/// Plays the user at the consent page of the test server's embedded authorization server (<c>--require-oauth</c>):
/// GET the authorize URL, submit the page's form with <c>decision=allow</c> or <c>deny</c> (and, when given, the
/// account the tokens are issued to), and capture (not follow) the 302 to the client's redirect URI. There is no
/// login: the page is the whole front channel.
/// </summary>
public static partial class TestBackendConsent
{
    public static Task<TestBackendConsentResult> DecideAsync(Uri authorizeUri, bool allow, CancellationToken cancellationToken = default) =>
        DecideAsync(authorizeUri, allow, account: null, cancellationToken);

    /// <summary>Decides as <paramref name="account"/> (typed into the page's account field; null: the page's default, <c>tester</c>).</summary>
    public static async Task<TestBackendConsentResult> DecideAsync(Uri authorizeUri, bool allow, string? account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorizeUri);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var page = await http.GetAsync(authorizeUri, cancellationToken);
        var html = await page.Content.ReadAsStringAsync(cancellationToken);
        if (page.StatusCode != HttpStatusCode.OK)
        {
            throw new OAuthFlowException($"GET {authorizeUri} answered {(int)page.StatusCode}: {HtmlForms.Snippet(html)}", page.StatusCode, html);
        }

        var title = WebUtility.HtmlDecode(TitleRegex().Match(html).Groups["title"].Value);
        var form = HtmlForms.FindFormWith(html, "decision");
        var fields = form.HiddenFields.Append(KeyValuePair.Create("decision", allow ? "allow" : "deny"));
        if (account is not null)
        {
            fields = fields.Append(KeyValuePair.Create("account", account));
        }

        using var content = new FormUrlEncodedContent(fields);
        using var answer = await http.PostAsync(form.ResolveAction(authorizeUri), content, cancellationToken);
        if (answer.StatusCode != HttpStatusCode.Redirect || answer.Headers.Location is not { } location)
        {
            var body = await answer.Content.ReadAsStringAsync(cancellationToken);
            throw new OAuthFlowException($"The consent form answered {(int)answer.StatusCode} instead of a redirect: {HtmlForms.Snippet(body)}", answer.StatusCode, body);
        }

        return new TestBackendConsentResult(title, form, AuthorizationRedirect.Parse(location));
    }

    /// <summary>The account an access token was issued to, as the test backend's <c>token_subject</c> tool says on a call carrying it.</summary>
    public static async Task<string> SubjectOfAsync(Uri mcpUrl, string accessToken)
    {
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = mcpUrl,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {accessToken}" },
        }));
        var result = await client.CallToolAsync("token_subject");
        result.IsError.ShouldNotBe(true);
        return result.Content.OfType<TextContentBlock>().Single().Text;
    }

    [GeneratedRegex("<title>(?<title>.*?)</title>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex TitleRegex();
}
