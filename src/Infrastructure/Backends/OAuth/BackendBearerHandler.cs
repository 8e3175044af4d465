using System.Net;
using System.Net.Http.Headers;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// Sends a backend's OAuth access token with every request to it (when it has one). A 401 to a request that
/// carried a token marks that token stale and tells the connection, which reconnects and so renews it (or, when
/// the tokens cannot be renewed, reports the backend as awaiting OAuth with the reason). With an owner, the tokens are
/// that user's own for a per-user backend (ADR 0033).
/// </summary>
public sealed class BackendBearerHandler(ServerName backend, ConnectionOwner? owner, BackendTokenSource tokens, Action onRejected) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? token;
        try
        {
            token = await tokens.GetAccessTokenAsync(backend, owner, cancellationToken);
        }
        catch (BackendAuthorizationRequiredException)
        {
            // The tokens could not be renewed: the connection must learn it now, not on its next reconnect.
            onRejected();
            throw;
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (token is not null && response.StatusCode == HttpStatusCode.Unauthorized)
        {
            tokens.Reject(backend, owner, token);
            onRejected();
        }

        return response;
    }
}
