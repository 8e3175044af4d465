using System.Text;
using System.Text.Encodings.Web;

namespace OneMcp.Api.Auth;

/// <summary>
/// The server-rendered pages of sign-in and consent. Every value is HTML-encoded; the pages load nothing
/// from elsewhere and are sent with a restrictive Content-Security-Policy. Field names are a contract
/// (scripts and tests rely on them): <c>username</c>, <c>password</c>, <c>scopes</c>, <c>action</c>.
/// </summary>
internal static class AuthPages
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:2rem 1rem}
        main{max-width:28rem;margin:0 auto;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:1.75rem}
        h1{font-size:1.3rem;margin:0 0 1rem} p{line-height:1.45}
        label{display:block;margin:.75rem 0 .25rem;font-weight:600}
        input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #b8bfcc;border-radius:6px;font-size:1rem}
        fieldset{border:1px solid #d7dbe3;border-radius:8px;margin:1rem 0;padding:.5rem 1rem}
        fieldset label{font-weight:400;display:flex;gap:.5rem;align-items:center}
        .buttons{display:flex;gap:.75rem;margin-top:1.25rem}
        button{flex:1;padding:.6rem;border-radius:6px;border:1px solid #1f5fd1;font-size:1rem;cursor:pointer}
        button.primary{background:#1f5fd1;color:#fff} button.secondary{background:#fff;color:#1f5fd1}
        button:focus-visible,input:focus-visible{outline:3px solid #8db3ff;outline-offset:2px}
        .error{background:#fdecea;color:#8a1c12;border-radius:6px;padding:.6rem .8rem}
        .warning{background:#fff4e0;color:#6b3d00;border:1px solid #f0b35a;border-radius:6px;padding:.6rem .8rem}
        .muted{color:#5b6475;font-size:.9rem} code{background:#eef0f4;padding:0 .25rem;border-radius:4px}
        """;

    public const string LoginCsp = "default-src 'none'; form-action 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>The consent form posts to the gateway, which redirects to the client: that origin must be allowed too.</summary>
    public static string ConsentCsp(Uri redirectUri) =>
        $"default-src 'none'; script-src 'self'; form-action 'self' {redirectUri.GetLeftPart(UriPartial.Authority)}; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Recomputes the preview when a tag is ticked or unticked, with the rule the server applies: under
    /// "all" a server must carry every ticked tag, under "any" one of them; no tick reaches nothing.
    /// </summary>
    public const string ConsentScript = """
        (() => {
          const list = document.getElementById('preview');
          if (!list) return;
          const empty = document.getElementById('preview-empty');
          const boxes = [...document.querySelectorAll('input[name="scopes"][value^="tag:"]')];
          const update = () => {
            const ticked = boxes.filter(b => b.checked).map(b => b.value.slice(4).toLowerCase());
            let shown = 0;
            for (const item of list.children) {
              const tags = item.dataset.tags.split(' ').filter(t => t.length > 0);
              const reached = ticked.length > 0 && tags.length > 0 && item.dataset.withheld === undefined &&
                (list.dataset.match === 'all' ? ticked.every(t => tags.includes(t)) : ticked.some(t => tags.includes(t)));
              item.hidden = !reached;
              if (reached) shown++;
            }
            empty.hidden = shown > 0;
          };
          boxes.forEach(b => b.addEventListener('change', update));
          update();
        })();
        """;

    public static string Login(string returnUrl, string? userName, string? error)
    {
        var html = new StringBuilder();
        Begin(html, "Sign in to OneMcp");
        html.Append("<h1>Sign in to OneMcp</h1>");
        if (error is not null)
        {
            html.Append("<p class=\"error\" role=\"alert\" id=\"error\">").Append(Encode(error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"/login\">")
            .Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(Encode(returnUrl)).Append("\">")
            .Append("<label for=\"username\">User name</label>")
            .Append("<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus value=\"").Append(Encode(userName ?? string.Empty)).Append("\">")
            .Append("<label for=\"password\">Password</label>")
            .Append("<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>")
            .Append("<div class=\"buttons\"><button type=\"submit\" class=\"primary\">Sign in</button></div>")
            .Append("</form>");
        End(html);
        return html.ToString();
    }

    public sealed record ConsentModel(
        string ClientName,
        string UserName,
        Guid RequestId,
        IReadOnlyList<KeyValuePair<string, string>> Parameters,
        IReadOnlyList<string> OfferedScopes,
        IReadOnlySet<string> CheckedScopes,
        bool OfflineAccess,
        string? Error,
        Uri RedirectUri,
        bool AdminDeclined,
        Application.Authorization.ConsentPreview? Preview = null);

    /// <summary>Where the consent page's script is served (the page's CSP allows only it).</summary>
    public const string ConsentScriptPath = "/oauth-assets/consent.js";

    public static string Consent(ConsentModel model)
    {
        var html = new StringBuilder();
        Begin(html, "Authorize " + model.ClientName);
        html.Append("<h1>Authorize <span id=\"client-name\">").Append(Encode(model.ClientName)).Append("</span></h1>")
            .Append("<p>Signed in as <strong id=\"user-name\">").Append(Encode(model.UserName)).Append("</strong>. ")
            .Append("This application asks to use the MCP servers of this gateway on your behalf.</p>");
        if (model.Error is not null)
        {
            html.Append("<p class=\"error\" role=\"alert\" id=\"error\">").Append(Encode(model.Error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"/authorize\">");
        foreach (var (name, value) in model.Parameters)
        {
            html.Append("<input type=\"hidden\" name=\"").Append(Encode(name)).Append("\" value=\"").Append(Encode(value)).Append("\">");
        }

        html.Append("<input type=\"hidden\" name=\"request_id\" value=\"").Append(model.RequestId.ToString("D")).Append("\">");
        var tagScopes = model.OfferedScopes.Where(s => s.StartsWith(Application.Authorization.OAuthScopes.TagPrefix, StringComparison.Ordinal)).ToList();
        if (tagScopes.Count > 0)
        {
            html.Append("<fieldset><legend>Tags this application may reach</legend>");
            foreach (var scope in tagScopes)
            {
                var id = "scope-" + Encode(scope.Replace(':', '-'));
                html.Append("<label for=\"").Append(id).Append("\"><input type=\"checkbox\" id=\"").Append(id)
                    .Append("\" name=\"scopes\" value=\"").Append(Encode(scope)).Append('"')
                    .Append(model.CheckedScopes.Contains(scope) ? " checked" : string.Empty)
                    .Append("><code>").Append(Encode(scope)).Append("</code></label>");
            }

            html.Append("</fieldset>");
        }
        else
        {
            html.Append("<p class=\"muted\">No backend of this gateway carries a tag yet, so there is nothing to choose.</p>");
        }

        if (model.Preview is { } preview)
        {
            var reached = preview.Reached(model.CheckedScopes).ToList();
            var rule = preview.Match == Application.Authorization.ScopeMatch.All
                ? "A server is reached when it carries every tag you tick."
                : "A server is reached when it carries at least one tag you tick.";
            html.Append("<section aria-live=\"polite\"><h2 style=\"font-size:1rem\">Servers this reaches</h2><p class=\"muted\">").Append(Encode(rule)).Append("</p>")
                .Append("<ul id=\"preview\" data-match=\"").Append(preview.Match == Application.Authorization.ScopeMatch.All ? "all" : "any").Append("\">");
            foreach (var server in preview.Servers)
            {
                html.Append("<li data-tags=\"").Append(Encode(string.Join(' ', server.Tags))).Append('"')
                    .Append(preview.IsWithheld(server.Tags) ? " data-withheld" : string.Empty)
                    .Append(reached.Contains(server.Name) ? string.Empty : " hidden").Append('>').Append(Encode(server.Name)).Append("</li>");
            }

            html.Append("</ul><p id=\"preview-empty\" class=\"muted\"").Append(reached.Count == 0 ? string.Empty : " hidden")
                .Append(">No server: tick the tags this application needs.</p>");
            var beyond = preview.Servers.Where(s => preview.IsWithheld(s.Tags)).Select(s => s.Name).ToList();
            if (beyond.Count > 0)
            {
                html.Append("<p class=\"muted\" id=\"preview-withheld\">Never reached through your approval, because they carry a tag only an administrator may grant: ")
                    .AppendJoin(", ", beyond.Select(Encode)).Append(".</p>");
            }

            html.Append("</section><script src=\"").Append(ConsentScriptPath).Append("\"></script>");
        }

        if (model.OfferedScopes.Contains(Application.Authorization.OAuthScopes.Admin))
        {
            // Its own choice, never ticked in advance, whatever the client asked for or the user's role.
            const string Id = "scope-onemcp-admin";
            html.Append("<fieldset id=\"admin-choice\"><legend>Gateway administration</legend>")
                .Append("<label for=\"").Append(Id).Append("\"><input type=\"checkbox\" id=\"").Append(Id).Append("\" name=\"scopes\" value=\"")
                .Append(Application.Authorization.OAuthScopes.Admin).Append("\"><span>Administer this gateway: add backends that run commands on its host, ")
                .Append("change users and tag policies, approve requests and revoke access</span></label>")
                .Append("<p class=\"warning\">Tick this only for a tool you use to administer OneMcp yourself, never for an AI assistant: ")
                .Append("anything holding this access can run programs on the gateway's host.</p></fieldset>");
        }
        else if (model.AdminDeclined)
        {
            html.Append("<p class=\"muted\" id=\"admin-declined\">This application also asks to administer the gateway. Only an administrator can grant that, so it will not get it.</p>");
        }

        if (model.OfflineAccess)
        {
            html.Append("<p class=\"muted\">This application can renew this access for up to 30 days.</p>");
        }

        AppendReturnHost(html, model.RedirectUri);

        html.Append("<div class=\"buttons\">")
            .Append("<button type=\"submit\" name=\"action\" value=\"deny\" class=\"secondary\">Deny</button>")
            .Append("<button type=\"submit\" name=\"action\" value=\"approve\" class=\"primary\">Approve</button>")
            .Append("</div></form>");
        End(html);
        return html.ToString();
    }

    /// <summary>
    /// Where the browser goes with the answer: the one fact a user can check against the application they started.
    /// A host other than this computer is said loudly, since a client's name is whatever it chose to register.
    /// </summary>
    private static void AppendReturnHost(StringBuilder html, Uri redirectUri)
    {
        var host = redirectUri.IsDefaultPort ? redirectUri.Host : redirectUri.Authority;
        if (redirectUri.IsLoopback)
        {
            html.Append("<p class=\"muted\" id=\"return-host\">After you decide, your browser returns to <strong>").Append(Encode(host))
                .Append("</strong> (an application on this computer).</p>");
        }
        else
        {
            html.Append("<p class=\"warning\" id=\"return-host\" role=\"alert\">After you decide, your browser returns to <strong>").Append(Encode(host))
                .Append("</strong>, a site on the internet, not this computer. Approve only if that is the application you are signing in to.</p>");
        }
    }

    public static string Problem(string title, string message)
    {
        var html = new StringBuilder();
        Begin(html, title);
        html.Append("<h1>").Append(Encode(title)).Append("</h1><p class=\"error\" role=\"alert\" id=\"error\">").Append(Encode(message)).Append("</p>");
        End(html);
        return html.ToString();
    }

    public static IResult Html(HttpContext context, string html, string csp, int statusCode = StatusCodes.Status200OK)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = csp;
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        // Not no-referrer: Chromium then posts forms with "Origin: null", which the DNS-rebinding guard must refuse.
        headers["Referrer-Policy"] = "same-origin";
        headers.XContentTypeOptions = "nosniff";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    /// <summary>How often the waiting page asks again (a meta refresh: the page runs no script).</summary>
    public const int WaitingRefreshSeconds = 3;

    /// <summary>
    /// The page a user sees while an administrator decides on tags they may not grant alone. It reloads itself
    /// (the same OAuth request plus the request id) until there is an answer, and lets the user cancel.
    /// </summary>
    public static string Waiting(string clientName, string userName, Guid requestId, IReadOnlyList<KeyValuePair<string, string>> parameters,
        IReadOnlyList<string> withheld, string refreshUrl)
    {
        var html = new StringBuilder();
        Begin(html, "Waiting for an administrator", $"<meta http-equiv=\"refresh\" content=\"{WaitingRefreshSeconds};url={Encode(refreshUrl)}\">");
        html.Append("<h1 id=\"waiting\">Waiting for an administrator</h1>")
            .Append("<p>Signed in as <strong id=\"user-name\">").Append(Encode(userName)).Append("</strong>. ")
            .Append("<strong id=\"client-name\">").Append(Encode(clientName)).Append("</strong> asks for ");
        html.AppendJoin(", ", withheld.Select(t => "<code>" + Encode(t) + "</code>"));
        html.Append(" (asked for, or carried by a server the request reaches), which your account may not grant on its own.</p>")
            .Append("<p role=\"status\">An administrator of this gateway has been asked to approve it in the dashboard. ")
            .Append("Keep this page open: it continues by itself as soon as they decide (within ten minutes).</p>")
            .Append("<form method=\"post\" action=\"/authorize\">");
        foreach (var (name, value) in parameters)
        {
            html.Append("<input type=\"hidden\" name=\"").Append(Encode(name)).Append("\" value=\"").Append(Encode(value)).Append("\">");
        }

        html.Append("<input type=\"hidden\" name=\"request_id\" value=\"").Append(requestId.ToString("D")).Append("\">")
            .Append("<div class=\"buttons\"><button type=\"submit\" name=\"action\" value=\"deny\" class=\"secondary\">Cancel</button></div></form>");
        End(html);
        return html.ToString();
    }

    private static void Begin(StringBuilder html, string title, string head = "") =>
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">").Append(head)
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Encode(title)).Append(" · OneMcp</title><style>").Append(Style).Append("</style></head><body><main>");

    private static void End(StringBuilder html) => html.Append("</main></body></html>");

    private static string Encode(string value) => HtmlEncoder.Default.Encode(value);
}
