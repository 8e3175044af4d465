using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using OneMcp.Application.Authorization;
using OneMcp.Application.Users;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Identity.Oidc;

namespace OneMcp.Api.Auth;

/// <summary>
/// The server-rendered pages of sign-in and consent. Every value is HTML-encoded; the pages load nothing
/// from elsewhere and are sent with a restrictive Content-Security-Policy. Field names are a contract
/// (scripts and tests rely on them): <c>username</c>, <c>password</c>, <c>scopes</c>, <c>action</c>.
/// </summary>
internal static partial class AuthPages
{
    private static readonly string Style = Load("auth.css");
    private static readonly string PageTemplate = Load("page.html");
    private static readonly string LoginTemplate = Load("login.html");
    private static readonly string LoginFormTemplate = Load("login-form.html");
    private static readonly string LoginProviderTemplate = Load("login-provider.html");
    private static readonly string ConsentTemplate = Load("consent.html");
    private static readonly string ConsentAdminTemplate = Load("consent-admin.html");
    private static readonly string WaitingTemplate = Load("waiting.html");
    private static readonly string AskAdministratorTemplate = Load("ask-admin.html");
    private static readonly string ConsentTagTemplate = Load("consent-tag.html");
    private static readonly string ConsentPreviewTemplate = Load("consent-preview.html");

    private const string LoginCsp = "default-src 'none'; form-action 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>The consent form posts to the gateway, which redirects to the client: that origin must be allowed too.</summary>
    // The client's origin in its ASCII form: a header carries no other characters (an internationalised host name
    // failed the page with a 500), and browsers match sources against the punycode origin anyway.
    private static string ConsentCsp(Uri redirectUri) =>
        $"default-src 'none'; script-src 'self'; form-action 'self' {AsciiOrigin(redirectUri)}; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

    private static string AsciiOrigin(Uri uri) => $"{uri.Scheme}://{AsciiAuthority(uri)}";

    // Host (punycode for a name, brackets kept for IPv6) and the port when it is not the scheme's default.
    private static string AsciiAuthority(Uri uri)
    {
        var host = uri.HostNameType == UriHostNameType.Dns ? uri.IdnHost : uri.Host;
        return uri.IsDefaultPort ? host : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{host}:{uri.Port}");
    }

    /// <summary>
    /// The consent, ask and waiting pages' script: a decision is posted once (a double click does not send it twice), and the
    /// preview is recomputed when a tag is ticked or unticked, with the rule the server applies.
    /// </summary>
    public static string ConsentScript { get; } = Load("consent.js");

    /// <summary>
    /// The sign-in page: "Sign in with &lt;provider&gt;" when an identity provider is configured (with one sentence when it
    /// cannot be reached), and the user name and password form unless <c>--disable-local-login</c> removed it.
    /// </summary>
    public static IResult Login(HttpContext context, string returnUrl, string? userName, string? error, int statusCode = StatusCodes.Status200OK)
    {
        var services = context.RequestServices;
        var provider = services.GetService<IdentityProviderRules>();
        var localLogin = services.GetRequiredService<AuthSettings>().LocalLogin;
        var providerBlock = provider is null ? string.Empty : Fill(
            LoginProviderTemplate,
            ("problem", services.GetService<IdentityProviderStatus>()?.Problem is { } problem && error is null
                ? "<p class=\"warning\" id=\"provider-problem\" role=\"alert\">" + Encode(problem) + " Try again in a moment.</p>"
                : string.Empty),
            ("href", Encode(IdentityProviderEndpoints.StartPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl))),
            ("name", Encode(provider.DisplayName)),
            ("separator", localLogin ? "<p class=\"muted separator\">or with a user name and password</p>" : string.Empty));
        var form = localLogin
            ? Fill(LoginFormTemplate, ("returnUrl", Encode(returnUrl)), ("userName", Encode(userName ?? string.Empty)))
            : string.Empty;
        return Html(
            context,
            Page("Sign in to OneMcp", Fill(LoginTemplate, ("error", ErrorLine(error)), ("provider", providerBlock), ("form", form))),
            LoginCsp,
            statusCode);
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
        ConsentPreview? Preview = null);

    /// <summary>Where the consent page's script is served (the page's CSP allows only it).</summary>
    public const string ConsentScriptPath = "/oauth-assets/consent.js";

    public static IResult Consent(HttpContext context, ConsentModel model, int statusCode)
    {
        var tagScopes = model.OfferedScopes.Where(s => s.StartsWith(OAuthScopes.TagPrefix, StringComparison.Ordinal)).ToList();
        var tags = tagScopes.Count == 0
            ? "<p class=\"muted\">There is no tag here that you may grant: no backend of this gateway carries one yet, or an administrator keeps them to administrators or to named users and groups.</p>"
            : "<fieldset><legend>Tags this application may reach</legend>" + string.Concat(tagScopes.Select(scope => Fill(
                ConsentTagTemplate,
                ("id", "scope-" + Encode(scope.Replace(':', '-'))),
                ("scope", Encode(scope)),
                ("checked", model.CheckedScopes.Contains(scope) ? " checked" : string.Empty)))) + "</fieldset>";

        // The admin scope is its own choice, never ticked in advance, whatever the client asked for or the user's role.
        var admin = model.OfferedScopes.Contains(OAuthScopes.Admin) ? Fill(ConsentAdminTemplate, ("scope", OAuthScopes.Admin))
            : model.AdminDeclined ? "<p class=\"muted\" id=\"admin-declined\">This application also asks to administer the gateway. Only an administrator can grant that, so it will not get it.</p>"
            : string.Empty;
        return Html(context, Page("Authorize " + model.ClientName, Fill(
            ConsentTemplate,
            ("clientName", Encode(model.ClientName)),
            ("userName", Encode(model.UserName)),
            ("error", ErrorLine(model.Error)),
            ("hidden", HiddenFields(model.Parameters, model.RequestId)),
            ("tags", tags),
            ("preview", model.Preview is { } preview ? Preview(preview, model.CheckedScopes) : string.Empty),
            ("admin", admin),
            ("offline", model.OfflineAccess ? "<p class=\"muted\">This application can renew this access for up to 30 days.</p>" : string.Empty),
            ("returnHost", ReturnHost(model.RedirectUri, "After you decide", "Approve only if that is the application you are signing in to.")),
            ("script", ConsentScriptPath))), ConsentCsp(model.RedirectUri), statusCode);
    }

    private static string Preview(ConsentPreview preview, IReadOnlySet<string> checkedScopes)
    {
        var reached = preview.Reached(checkedScopes).ToList();
        var beyond = preview.Servers.Where(s => preview.IsWithheld(s.Tags)).Select(s => s.Name).ToList();
        return Fill(
            ConsentPreviewTemplate,
            ("rule", Encode(preview.Match == ScopeMatch.All
                ? "A server is reached when it carries every tag you tick."
                : "A server is reached when it carries at least one tag you tick.")),
            ("match", preview.Match == ScopeMatch.All ? "all" : "any"),
            ("servers", string.Concat(preview.Servers.Select(server => "<li data-tags=\"" + Encode(string.Join(' ', server.Tags)) + "\""
                + (preview.IsWithheld(server.Tags) ? " data-withheld" : string.Empty)
                + (reached.Contains(server.Name) ? string.Empty : " hidden") + ">" + Encode(server.Name) + "</li>"))),
            ("emptyHidden", reached.Count == 0 ? string.Empty : " hidden"),
            ("beyond", beyond.Count == 0 ? string.Empty
                : "<p class=\"muted\" id=\"preview-withheld\">Never reached through your approval, because they carry a tag only an administrator may grant: "
                    + string.Join(", ", beyond.Select(Encode)) + ".</p>"));
    }

    /// <summary>
    /// Where the browser goes with the answer: the one fact a user can check against the application they started.
    /// A host other than this computer is said loudly, since a client's name is whatever it chose to register. The
    /// ask and waiting pages say it too: the waiting page goes there by itself once an administrator approves.
    /// </summary>
    private static string ReturnHost(Uri redirectUri, string when, string advice)
    {
        // The ASCII (punycode) form: a look-alike name in another script ("gіthub.com" with a Cyrillic і) shows as the
        // xn-- name it is, not as the site it imitates.
        var host = Encode(AsciiAuthority(redirectUri));
        return redirectUri.IsLoopback
            ? $"<p class=\"muted\" id=\"return-host\">{when}, your browser returns to <strong>{host}</strong> (an application on this computer).</p>"
            : $"<p class=\"warning\" id=\"return-host\" role=\"alert\">{when}, your browser returns to <strong>{host}</strong>, a site on the internet, not this computer. {advice}</p>";
    }

    /// <summary>The database cannot be reached (503, see DatabaseAvailabilityMiddleware): said plainly, in the forms' look.</summary>
    public static Task UnavailableAsync(HttpContext context, string message) =>
        Html(context, Page("Temporarily unavailable", "<h1>Temporarily unavailable</h1>" + ErrorLine(message)), LoginCsp, StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);

    /// <summary>
    /// A sign-in or authorization endpoint refused the browser's address for too many requests (429, see
    /// <c>PerAddressRateLimits</c>; status and <c>Retry-After</c> already set): said plainly, in the forms' look.
    /// </summary>
    public static Task RateLimitedAsync(HttpContext context, TimeSpan retryAfter)
    {
        const string Title = "Too many requests";
        return Html(
            context,
            Page(Title, "<h1>" + Title + "</h1>" + ErrorLine("Too many requests from this address. " + TryAgainIn(retryAfter))
                + "<p><a href=\"/login\" id=\"back-to-sign-in\">Back to the sign-in page</a></p>"),
            LoginCsp,
            StatusCodes.Status429TooManyRequests).ExecuteAsync(context);
    }

    /// <summary>"Try again in 3 minutes." (at least one minute, rounded up).</summary>
    public static string TryAgainIn(TimeSpan wait)
    {
        var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
        return $"Try again in {minutes} minute{(minutes == 1 ? "" : "s")}.";
    }

    /// <summary>A sign-in with the identity provider that did not end in a session: why, and the way back to the sign-in page.</summary>
    public static IResult SignInRefused(HttpContext context, string title, string message, int statusCode) => Html(
        context,
        Page(title, "<h1>" + Encode(title) + "</h1>" + ErrorLine(message) + "<p><a href=\"/login\" id=\"back-to-sign-in\">Back to the sign-in page</a></p>"),
        LoginCsp,
        statusCode);

    /// <summary>A request that cannot be completed (400), with the reason.</summary>
    public static IResult Problem(HttpContext context, string message)
    {
        const string Title = "This request cannot be completed";
        return Html(context, Page(Title, "<h1>" + Encode(Title) + "</h1>" + ErrorLine(message)), LoginCsp, StatusCodes.Status400BadRequest);
    }

    private static IResult Html(HttpContext context, string html, string csp, int statusCode = StatusCodes.Status200OK)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = csp;
        headers.CacheControl = "no-store";
        // Not no-referrer: Chromium then posts forms with "Origin: null", which the DNS-rebinding guard must refuse.
        headers["Referrer-Policy"] = "same-origin";
        // X-Content-Type-Options and X-Frame-Options: SecurityHeaders, on every answer.
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    /// <summary>How often the waiting page asks again (a meta refresh: it needs no script).</summary>
    public const int WaitingRefreshSeconds = 3;

    /// <summary>A client's request for tags the user may not grant alone, as the ask and waiting pages show it.</summary>
    public sealed record AdministratorModel(
        string ClientName,
        string UserName,
        Guid RequestId,
        IReadOnlyList<KeyValuePair<string, string>> Parameters,
        IReadOnlyList<string> WithheldScopes,
        Uri RedirectUri);

    /// <summary>
    /// What a user sees first when a client asks for tags they may not grant alone: which tags, which client, where the
    /// browser returns, and "Ask an administrator" or Cancel. Only the click files the request for an administrator
    /// (a link to the authorization endpoint opens this page for anyone signed in).
    /// </summary>
    public static IResult AskAdministrator(HttpContext context, AdministratorModel model) =>
        AdministratorPage(context, model, "Ask an administrator", AskAdministratorTemplate, "Ask only if that is the application you are signing in to.", head: "");

    /// <summary>
    /// The page a user sees while an administrator decides on tags they may not grant alone (after they asked). It
    /// reloads itself (the same OAuth request plus the request id) until there is an answer, and lets the user cancel.
    /// </summary>
    public static IResult Waiting(HttpContext context, AdministratorModel model, string refreshUrl) => AdministratorPage(
        context, model, "Waiting for an administrator", WaitingTemplate, "Cancel unless that is the application you are signing in to.",
        $"<meta http-equiv=\"refresh\" content=\"{WaitingRefreshSeconds};url={Encode(refreshUrl)}\">");

    // Both pages post to /authorize (the consent form's headers and CSP) and say where the browser goes once decided.
    private static IResult AdministratorPage(HttpContext context, AdministratorModel model, string title, string template, string advice, string head) => Html(
        context,
        Page(
            title,
            Fill(
                template,
                ("userName", Encode(model.UserName)),
                ("clientName", Encode(model.ClientName)),
                ("withheld", string.Join(", ", model.WithheldScopes.Select(t => "<code>" + Encode(t) + "</code>"))),
                ("hidden", HiddenFields(model.Parameters, model.RequestId)),
                ("returnHost", ReturnHost(model.RedirectUri, "When an administrator has decided", advice)),
                ("script", ConsentScriptPath)),
            head),
        ConsentCsp(model.RedirectUri));

    // The OAuth request as the form posts it back, and the authorization request it answers.
    private static string HiddenFields(IReadOnlyList<KeyValuePair<string, string>> parameters, Guid requestId) =>
        string.Concat(parameters.Select(p => $"<input type=\"hidden\" name=\"{Encode(p.Key)}\" value=\"{Encode(p.Value)}\">"))
        + $"<input type=\"hidden\" name=\"request_id\" value=\"{requestId:D}\">";

    private static string ErrorLine(string? error) => error is null ? string.Empty : "<p class=\"error\" role=\"alert\" id=\"error\">" + Encode(error) + "</p>";

    private static string Page(string title, string body, string head = "") =>
        Fill(PageTemplate, ("head", head), ("title", Encode(title)), ("style", Style), ("body", body));

    // One pass: a value is never read as a placeholder (an encoded user name may well contain "{{...}}").
    private static string Fill(string template, params (string Name, string Value)[] values) =>
        Placeholder().Replace(template, m => values.First(v => v.Name == m.Groups[1].Value).Value);

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Placeholder();

    // The templates are embedded in the assembly; HTML is written one element a line, joined back without the line breaks.
    private static string Load(string name)
    {
        using var stream = typeof(AuthPages).Assembly.GetManifestResourceStream("auth/" + name)
            ?? throw new InvalidOperationException($"The page template {name} is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd().TrimEnd('\n', '\r');
        return name.EndsWith(".html", StringComparison.Ordinal) ? LineBreak().Replace(text, string.Empty) : text;
    }

    [GeneratedRegex(@"\r?\n[ \t]*")]
    private static partial Regex LineBreak();

    private static string Encode(string value) => HtmlEncoder.Default.Encode(value);
}
