using System.Net;
using System.Text;

namespace OneMcp.TestServer.OAuth;

/// <summary>The HTML of the authorization endpoint: plain forms, no script, so Playwright and HTML parsers can drive it.</summary>
internal static class ConsentPage
{
    public const string DecisionField = "decision";
    public const string Allow = "allow";
    public const string Deny = "deny";

    /// <summary>The account the user authorizes as (no login here: whatever is typed becomes the tokens' subject).</summary>
    public const string AccountField = "account";
    public const string DefaultAccount = "tester";

    public static string Render(OAuthClient client, string scope, IEnumerable<KeyValuePair<string, string>> hiddenFields)
    {
        var name = Encode(client.DisplayName);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>Test backend — authorize ").Append(name).Append("</title>\n</head>\n<body>\n")
            .Append("<h1>Test backend — authorize ").Append(name).Append("</h1>\n")
            .Append("<p>This is the OneMcp test server's own authorization server (for tests only). <strong>")
            .Append(name).Append("</strong> (client <code>").Append(Encode(client.ClientId))
            .Append("</code>) asks for access with scope <code>").Append(Encode(scope)).Append("</code>.</p>\n")
            .Append("<form method=\"post\" action=\"").Append(TestOAuthExtensions.AuthorizePath).Append("\">\n");
        foreach (var (key, value) in hiddenFields)
        {
            html.Append("<input type=\"hidden\" name=\"").Append(Encode(key)).Append("\" value=\"").Append(Encode(value)).Append("\">\n");
        }

        html.Append("<label>Account <input type=\"text\" name=\"").Append(AccountField).Append("\" value=\"").Append(DefaultAccount).Append("\"></label>\n");
        html.Append("<button type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"").Append(Allow).Append("\">Allow</button>\n")
            .Append("<button type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"").Append(Deny).Append("\">Deny</button>\n")
            .Append("</form>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>An error the user agent must see instead of being redirected (unknown client, unregistered redirect URI).</summary>
    public static string Error(string message) =>
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Test backend — authorization error</title>\n</head>\n<body>\n"
        + "<h1>Test backend — authorization error</h1>\n<p>" + Encode(message) + "</p>\n</body>\n</html>\n";

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
