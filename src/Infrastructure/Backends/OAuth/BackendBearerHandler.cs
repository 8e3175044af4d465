using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// Sends a backend's OAuth access token with every request to it (when it has one). A 401 to a request that carried a
/// token means the backend did nothing with it: the token is marked stale, renewed, and the request sent once more with
/// the new one, so a token that stopped working early (revoked, rotated keys, a clock apart) costs a renewal, not the
/// call. Only when no new token can be had, the request's body cannot be sent twice, or the backend refuses the new
/// token too, is the connection told: it reconnects (or, when the tokens cannot be renewed, reports the backend as
/// awaiting OAuth with the reason). With an owner, the tokens are that user's own for a per-user backend (ADR 0033).
/// </summary>
public sealed class BackendBearerHandler(ServerName backend, ConnectionOwner? owner, BackendTokenSource tokens, Action onRejected) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A backend without OAuth (most calls), known from the cache at once: nothing to add, nothing to renew on a 401.
        var token = TokenAsync(request.RequestUri, cancellationToken);
        if (!token.IsCompletedSuccessfully)
        {
            return SendWithTokenAsync(request, token, cancellationToken);
        }

        return token.Result is { } known
            ? SendWithTokenAsync(request, new ValueTask<string?>(known), cancellationToken)
            : base.SendAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, ValueTask<string?> pending, CancellationToken cancellationToken)
    {
        var token = await pending;
        var response = await SendWithAsync(request, token, cancellationToken);
        if (token is null || response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        tokens.Reject(backend, owner, token);
        if (!CanSendAgain(request))
        {
            onRejected();
            return response;
        }

        var renewed = await TokenAsync(request.RequestUri, cancellationToken);
        if (renewed is null || renewed == token)
        {
            onRejected();
            return response;
        }

        response.Dispose();
        response = await SendWithAsync(request, renewed, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            tokens.Reject(backend, owner, renewed);
            onRejected();
        }

        return response;
    }

    // Only for the resource the tokens were issued for: none goes to a URL the backend was moved to since.
    private ValueTask<string?> TokenAsync(Uri? target, CancellationToken cancellationToken)
    {
        var token = tokens.GetAccessTokenAsync(backend, owner, target, cancellationToken);
        return token.IsCompletedSuccessfully ? token : AwaitTokenAsync(token);
    }

    private async ValueTask<string?> AwaitTokenAsync(ValueTask<string?> token)
    {
        try
        {
            return await token;
        }
        catch (BackendAuthorizationRequiredException)
        {
            // The tokens could not be renewed: the connection must learn it now, not on its next reconnect.
            onRejected();
            throw;
        }
    }

    private Task<HttpResponseMessage> SendWithAsync(HttpRequestMessage request, string? token, CancellationToken cancellationToken)
    {
        // Without a token, an Authorization header from the backend's configured headers goes as it is.
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return base.SendAsync(request, cancellationToken);
    }

    // A body held in memory, or a JSON value (the MCP client's messages), is written again as it was; a stream's was
    // consumed by the first send.
    private static bool CanSendAgain(HttpRequestMessage request) =>
        request.Content is null or JsonContent or ByteArrayContent or ReadOnlyMemoryContent;
}
