using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OneMcp.TestServer.OAuth;

namespace OneMcp.TestServer;

internal enum TransportKind
{
    Stdio,
    Http,
}

/// <summary>Command line of the test server; see <see cref="Usage"/>.</summary>
internal sealed record ServerSettings(
    TransportKind Transport,
    int Port,
    string Name,
    string Instructions,
    bool FailStart,
    int StartDelayMs = 0,
    TestOAuthSettings? OAuth = null,
    bool Hybrid = false,
    bool Resumable = false,
    bool ReportRequestIds = false,
    bool Faults = false,
    bool SessionCookie = false)
{
    public const string Usage =
        "usage: OneMcp.TestServer [--transport stdio|http] [--port N] [--name NAME] [--instructions TEXT] [--fail-start] [--start-delay-ms N]\n" +
        "                         [--session-mode stateful|hybrid] [--resumable] [--report-request-ids] [--faults] [--session-cookie]\n" +
        "                         [--require-oauth [--oauth-client-id ID [--oauth-client-secret SECRET]] [--access-token-lifetime SECONDS]]\n" +
        "  --require-oauth           (http only) protect the MCP endpoints with Bearer tokens from an embedded test\n" +
        "                            OAuth authorization server (/oauth/register, /oauth/authorize, /oauth/token)\n" +
        "  --oauth-client-id         pre-register a client with this id that accepts any http(s) redirect URI\n" +
        "  --oauth-client-secret     make that pre-registered client confidential (client_secret_post or _basic)\n" +
        "  --access-token-lifetime   access token lifetime in seconds (default 3600)\n" +
        "  --session-mode            (http only) stateful (default): a session for every client, 2026-07-28 requests\n" +
        "                            refused; hybrid: sessions for initialize clients, 2026-07-28 requests served statelessly\n" +
        "  --resumable               (http only) keep every stream's events for a client to resume (an event store), and\n" +
        "                            offer the tools poll (closes its call's stream before answering) and request_id\n" +
        "  --report-request-ids      offer the tool request_id (the JSON-RPC id a call arrived with) on any transport\n" +
        "  --faults                  (http only, with --resumable) offer tools whose HTTP exchanges go wrong: lost_poll\n" +
        "                            (its stream closed, the resuming GET refused with 404; lost_polls counts its calls),\n" +
        "                            garbled (its answer after events that are not JSON-RPC messages), huge_error (a 500\n" +
        "                            with a body of 4 MB that then stalls), flaky_poll (its stream closed, the first two\n" +
        "                            resuming GETs refused with 503), gone (a 404), unanswered (its stream ends at once\n" +
        "                            without the answer); every completion/complete's stream ends so too\n" +
        "  --session-cookie          (http only) answer every request that carries an X-Api-Key header with the cookie\n" +
        "                            session=<that key>, as a server that signs its caller in with a cookie";

    public static bool TryParse(
        string[] args,
        [NotNullWhen(true)] out ServerSettings? settings,
        [NotNullWhen(false)] out string? error)
    {
        var transport = TransportKind.Stdio;
        var port = 0;
        var name = "test";
        string? instructions = null;
        var failStart = false;
        var startDelayMs = 0;
        var requireOAuth = false;
        string? oauthClientId = null;
        string? oauthClientSecret = null;
        int? accessTokenLifetime = null;
        var hybrid = false;
        var resumable = false;
        var reportRequestIds = false;
        var faults = false;
        var sessionCookie = false;

        settings = null;
        error = null;

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--fail-start")
            {
                failStart = true;
                continue;
            }

            if (arg == "--resumable")
            {
                resumable = true;
                continue;
            }

            if (arg == "--faults")
            {
                faults = true;
                continue;
            }

            if (arg == "--session-cookie")
            {
                sessionCookie = true;
                continue;
            }

            if (arg == "--report-request-ids")
            {
                reportRequestIds = true;
                continue;
            }

            if (arg == "--require-oauth")
            {
                requireOAuth = true;
                continue;
            }

            if (arg is not ("--transport" or "--port" or "--name" or "--instructions" or "--start-delay-ms"
                or "--oauth-client-id" or "--oauth-client-secret" or "--access-token-lifetime" or "--session-mode"))
            {
                error = $"unknown argument '{arg}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"missing value for {arg}";
                return false;
            }

            var value = args[++i];
            switch (arg)
            {
                case "--transport":
                    switch (value)
                    {
                        case "stdio":
                            transport = TransportKind.Stdio;
                            break;
                        case "http":
                            transport = TransportKind.Http;
                            break;
                        default:
                            error = $"unknown transport '{value}'";
                            return false;
                    }

                    break;
                case "--start-delay-ms":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out startDelayMs))
                    {
                        error = $"invalid start delay '{value}'";
                        return false;
                    }

                    break;
                case "--port":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
                    {
                        error = $"invalid port '{value}'";
                        return false;
                    }

                    break;
                case "--name":
                    name = value;
                    break;
                case "--session-mode" when value is "stateful" or "hybrid":
                    hybrid = value == "hybrid";
                    break;
                case "--session-mode":
                    error = $"unknown session mode '{value}'";
                    return false;
                case "--oauth-client-id":
                    oauthClientId = value;
                    break;
                case "--oauth-client-secret":
                    oauthClientSecret = value;
                    break;
                case "--access-token-lifetime":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var lifetime) || lifetime < 1)
                    {
                        error = $"invalid access token lifetime '{value}'";
                        return false;
                    }

                    accessTokenLifetime = lifetime;
                    break;
                default:
                    instructions = value;
                    break;
            }
        }

        if (!requireOAuth && (oauthClientId is not null || oauthClientSecret is not null || accessTokenLifetime is not null))
        {
            error = "--oauth-client-id, --oauth-client-secret and --access-token-lifetime need --require-oauth";
            return false;
        }

        if (hybrid && transport != TransportKind.Http)
        {
            error = "--session-mode needs --transport http";
            return false;
        }

        if (faults && !resumable)
        {
            error = "--faults needs --resumable";
            return false;
        }

        if (resumable && transport != TransportKind.Http)
        {
            error = "--resumable needs --transport http";
            return false;
        }

        if (sessionCookie && transport != TransportKind.Http)
        {
            error = "--session-cookie needs --transport http";
            return false;
        }

        if (requireOAuth && transport != TransportKind.Http)
        {
            error = "--require-oauth needs --transport http";
            return false;
        }

        if (oauthClientSecret is not null && oauthClientId is null)
        {
            error = "--oauth-client-secret needs --oauth-client-id";
            return false;
        }

        var oauth = requireOAuth
            ? new TestOAuthSettings(oauthClientId, oauthClientSecret, TimeSpan.FromSeconds(accessTokenLifetime ?? 3600))
            : null;
        settings = new ServerSettings(transport, port, name, instructions ?? $"Test server {name}.", failStart, startDelayMs, oauth, hybrid, resumable, reportRequestIds, faults, sessionCookie);
        return true;
    }
}
