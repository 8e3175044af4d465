using System.Net;
using System.Text;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>
/// A backend's token endpoint that rotates refresh tokens: each one it was told to renew is renewed once, then
/// refused (invalid_grant) like any other. <see cref="BeforeAnswer"/> runs once a request is in, before the answer,
/// whatever the client does meanwhile (the server answers a request it received).
/// </summary>
internal sealed class RotatingTokenEndpoint : HttpMessageHandler
{
    private readonly Dictionary<string, (string Access, string Refresh)> _renewals = new(StringComparer.Ordinal);
    private readonly List<string> _presented = [];
    private (HttpStatusCode Status, string MediaType, string Body)? _once;

    public Func<Task>? BeforeAnswer { get; set; }

    public IReadOnlyList<string> Presented
    {
        get
        {
            lock (_presented)
            {
                return [.. _presented];
            }
        }
    }

    public void Renew(string refreshToken, string access, string refresh)
    {
        lock (_presented)
        {
            _renewals[refreshToken] = (access, refresh);
        }
    }

    /// <summary>The next request is answered this way, whatever it presents.</summary>
    public void AnswerOnce(HttpStatusCode status, string mediaType, string body)
    {
        lock (_presented)
        {
            _once = (status, mediaType, body);
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var form = System.Web.HttpUtility.ParseQueryString(await request.Content!.ReadAsStringAsync(CancellationToken.None));
        var presented = form["refresh_token"] ?? string.Empty;
        (string Access, string Refresh)? renewed = null;
        (HttpStatusCode Status, string MediaType, string Body)? once;
        lock (_presented)
        {
            _presented.Add(presented);
            once = _once;
            _once = null;
            if (once is null && _renewals.Remove(presented, out var found))
            {
                renewed = found;
            }
        }

        if (BeforeAnswer is { } before)
        {
            await before();
        }

        if (once is { } answer)
        {
            return new HttpResponseMessage(answer.Status) { Content = new StringContent(answer.Body, Encoding.UTF8, answer.MediaType) };
        }

        return renewed is { } tokens
            ? Json(HttpStatusCode.OK, $$"""{"access_token":"{{tokens.Access}}","refresh_token":"{{tokens.Refresh}}","token_type":"Bearer","expires_in":3600}""")
            : Json(HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"The refresh token is unknown."}""");
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
