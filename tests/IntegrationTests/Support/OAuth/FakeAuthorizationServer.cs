using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>
/// A minimal stand-in for the gateway's authorization server, written to the same contract, so the
/// <see cref="OAuthFlowDriver"/> itself can be tested before the real server exists. One user: ada / secret.
/// The login page uses an empty form action, a hidden return URL and a cookie-bound hidden token; the
/// consent page posts to another path with hidden fields, scope checkboxes (only tag:web pre-checked) and
/// approve/deny buttons.
/// </summary>
internal sealed class FakeAuthorizationServer : IAsyncDisposable
{
    public const string UserName = "ada";
    public const string Password = "secret";

    private static readonly string[] ConsentHiddenFields = ["client_id", "redirect_uri", "state", "code_challenge", "resource"];

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string[]> _clients = new();
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new();

    private FakeAuthorizationServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Urls.Add("http://127.0.0.1:0");
        Map(_app);
    }

    public Uri BaseUrl => new(_app.Urls.First());

    public static async Task<FakeAuthorizationServer> StartAsync()
    {
        var server = new FakeAuthorizationServer();
        await server._app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/register", async (HttpRequest req) =>
        {
            var body = await req.ReadFromJsonAsync<JsonObject>();
            if (body?["redirect_uris"] is not JsonArray uris || uris.Count == 0)
            {
                return Results.Json(new JsonObject { ["error"] = "invalid_redirect_uri" }, statusCode: 400);
            }

            var clientId = "client-" + Guid.NewGuid().ToString("N");
            _clients[clientId] = [.. uris.Select(u => u!.GetValue<string>())];
            var answer = body.DeepClone().AsObject();
            answer["client_id"] = clientId;
            answer["client_id_issued_at"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return Results.Json(answer, statusCode: 201);
        });

        app.MapGet("/authorize", (HttpRequest req) =>
        {
            var q = req.Query;
            if (!_clients.TryGetValue(q["client_id"].ToString(), out var uris) || !uris.Contains(q["redirect_uri"].ToString()))
            {
                return Results.Text("unknown client or redirect_uri", statusCode: 400);
            }

            if (req.Cookies["session"] != UserName)
            {
                return Results.Redirect("/login?returnUrl=" + Uri.EscapeDataString(req.Path + req.QueryString));
            }

            var hidden = string.Concat(ConsentHiddenFields
                .Select(k => $"<input type=\"hidden\" name=\"{k}\" value=\"{WebUtility.HtmlEncode(q[k].ToString())}\">\n"));
            var boxes = string.Concat(q["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => $"<label><input type='checkbox' name='scopes' value='{WebUtility.HtmlEncode(s)}'{(s == "tag:web" ? " checked" : string.Empty)}/> {s}</label>\n"));
            return Results.Content(
                $"""
                <html><body><h1>Allow access?</h1>
                <form action="/authorize/consent?x=1&amp;y=2" method="post">
                {hidden}{boxes}<button type="submit" name="action" value="approve">Allow</button>
                <button type="submit" name="action" value="deny">Deny</button>
                </form></body></html>
                """,
                "text/html");
        });

        app.MapGet("/login", (HttpContext ctx) =>
        {
            var token = Guid.NewGuid().ToString("N");
            ctx.Response.Cookies.Append("csrf", token);
            return Results.Content(LoginPage(ctx.Request.Query["returnUrl"].ToString(), token, error: null), "text/html");
        });

        app.MapPost("/login", async (HttpContext ctx) =>
        {
            var form = await ctx.Request.ReadFormAsync();
            if (form["csrf"] != ctx.Request.Cookies["csrf"] || string.IsNullOrEmpty(form["csrf"]))
            {
                return Results.Text("bad csrf", statusCode: 400);
            }

            if (form["username"] != UserName || form["password"] != Password)
            {
                return Results.Content(LoginPage(form["returnUrl"].ToString(), form["csrf"].ToString(), "Invalid user name or password."), "text/html");
            }

            ctx.Response.Cookies.Append("session", UserName);
            var self = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
            return Results.Redirect(self + form["returnUrl"]);   // absolute, unlike /authorize's relative one
        });

        app.MapPost("/authorize/consent", async (HttpContext ctx) =>
        {
            var form = await ctx.Request.ReadFormAsync();
            if (ctx.Request.Cookies["session"] != UserName || ctx.Request.Query["y"] != "2")
            {
                return Results.Text("no session", statusCode: 400);
            }

            var redirect = form["redirect_uri"].ToString();
            var iss = $"{ctx.Request.Scheme}://{ctx.Request.Host}/";
            if (form["action"] != "approve")
            {
                return Results.Redirect(QueryHelpers.AddQueryString(redirect, new Dictionary<string, string?> { ["error"] = "access_denied", ["state"] = form["state"], ["iss"] = iss }));
            }

            var code = Guid.NewGuid().ToString("N");
            _codes[code] = new Grant(form["client_id"].ToString(), redirect, form["code_challenge"].ToString(), string.Join(' ', form["scopes"].ToArray()));
            return Results.Redirect(QueryHelpers.AddQueryString(redirect, new Dictionary<string, string?> { ["code"] = code, ["state"] = form["state"], ["iss"] = iss }));
        });

        app.MapPost("/token", async (HttpRequest req) =>
        {
            var form = await req.ReadFormAsync();
            Grant? grant;
            if (form["grant_type"] == "authorization_code")
            {
                var verifier = form["code_verifier"].ToString();
                if (!_codes.TryRemove(form["code"].ToString(), out grant) || grant.ClientId != form["client_id"] || grant.RedirectUri != form["redirect_uri"]
                    || verifier.Length < 43 || Pkce.ComputeChallenge(verifier) != grant.Challenge)
                {
                    return Error("invalid_grant");
                }
            }
            else if (form["grant_type"] == "refresh_token")
            {
                if (!_refreshTokens.TryRemove(form["refresh_token"].ToString(), out grant) || grant.ClientId != form["client_id"])
                {
                    return Error("invalid_grant");
                }
            }
            else
            {
                return Error("unsupported_grant_type");
            }

            var refresh = Guid.NewGuid().ToString("N");
            _refreshTokens[refresh] = grant;
            return Results.Json(new JsonObject
            {
                ["access_token"] = "at-" + Guid.NewGuid().ToString("N"),
                ["token_type"] = "Bearer",
                ["expires_in"] = 3600,
                ["refresh_token"] = refresh,
                ["scope"] = grant.Scope,
            });
        });

        app.MapPost("/revoke", async (HttpRequest req) =>
        {
            var form = await req.ReadFormAsync();
            _refreshTokens.TryRemove(form["token"].ToString(), out _);
            return Results.Ok();
        });
    }

    private static IResult Error(string error) =>
        Results.Json(new JsonObject { ["error"] = error, ["error_description"] = "fake server says " + error }, statusCode: 400);

    private static string LoginPage(string returnUrl, string csrf, string? error) =>
        $"""
        <html><body>{(error is null ? string.Empty : $"<p class=\"error\">{error}</p>")}
        <form method="post">
          <input type="hidden" name="returnUrl" value="{WebUtility.HtmlEncode(returnUrl)}">
          <input type="hidden" name="csrf" value="{csrf}" />
          <input name="username" type="text"><input name="password" type="password">
          <button>Sign in</button>
        </form></body></html>
        """;

    private sealed record Grant(string ClientId, string RedirectUri, string Challenge, string Scope);
}
