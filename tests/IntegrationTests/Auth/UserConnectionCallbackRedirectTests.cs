using System.Net;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Api.Endpoints;
using OneMcp.Application.Connections;
using OneMcp.Domain.Common;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Where the gateway's OAuth callback (<c>/oauth/callback/{name}</c>) sends the browser when completing a per-user
/// connection fails, run in process on the endpoint itself: no gateway, backend or database is started.
/// <see cref="UserBackendOAuthTests"/> shows when the store throws each of these errors.
/// </summary>
public sealed class UserConnectionCallbackRedirectTests
{
    [Fact]
    public async Task Callback_WhenOtherRequestsKeptChangingTheConnection_RedirectsToMyConnectionsWithVersionConflict()
    {
        // What UserConnectionStore.SaveAsync throws when other writers changed the user's row under every try.
        var conflict = new ConcurrencyConflictException(
            "Your tokens for backend 'vault' could not be saved: other requests changed the same record 3 times meanwhile. Nothing was changed; try again.");

        var response = await CallbackAsync("vault", new CompletingMediator(conflict));

        response.StatusCode.ShouldBe((int)HttpStatusCode.Redirect);
        response.Headers.Location.ToString().ShouldBe("/oauth?error=version_conflict&backend=vault#connections");
        var shown = ShownError(response);
        shown["code"].ShouldBe("version_conflict");
        shown["backend"].ShouldBe("vault");
        shown["description"].ShouldBe(conflict.Message);
    }

    // The callback's endpoint as the gateway maps it, invoked with the backend's answer (auth off: the local operator's connection).
    private static Task<HttpResponse> CallbackAsync(string name, IMediator mediator) =>
        InProcessEndpoint.InvokeAsync(
            services => services.AddSingleton(mediator),
            app => app.MapBackendOAuthCallback(),
            BackendOAuthEndpoints.CallbackPrefix + "/{name}",
            request =>
            {
                request.Method = HttpMethods.Get;
                request.Path = $"{BackendOAuthEndpoints.CallbackPrefix}/{name}";
                request.QueryString = new QueryString("?state=the-state&code=the-code");
                request.RouteValues["name"] = name;
            });

    // The dashboard's alert reads the error from the cookie only this answer sets.
    private static Dictionary<string, string> ShownError(HttpResponse response)
    {
        var cookie = response.Headers.SetCookie.ToString();
        var prefix = BackendOAuthEndpoints.CallbackErrorCookie + "=";
        cookie.ShouldStartWith(prefix);
        var value = Uri.UnescapeDataString(cookie[prefix.Length..cookie.IndexOf(';', StringComparison.Ordinal)]);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(value)!;
    }

    /// <summary>A per-user backend whose connection cannot be completed: completing it throws <paramref name="failure"/>.</summary>
    private sealed class CompletingMediator(Exception failure) : StandInMediator
    {
        protected override Task<TResponse>? Answer<TResponse>(IRequest<TResponse> request) => request switch
        {
            IsPerUserBackendQuery => Task.FromResult((TResponse)(object)true),
            CompleteUserConnectionCommand => Task.FromException<TResponse>(failure),
            _ => null,
        };
    }
}
