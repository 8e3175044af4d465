using System.Net;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Api.Endpoints;
using OneMcp.Application.Connections;
using OneMcp.Domain.Common;

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
    private static async Task<HttpResponse> CallbackAsync(string name, IMediator mediator)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(mediator);
        await using var app = builder.Build();
        app.MapBackendOAuthCallback();
        var endpoint = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Single();
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = $"{BackendOAuthEndpoints.CallbackPrefix}/{name}";
        context.Request.QueryString = new QueryString("?state=the-state&code=the-code");
        context.Request.RouteValues["name"] = name;

        await endpoint.RequestDelegate!(context);
        return context.Response;
    }

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
    private sealed class CompletingMediator(Exception failure) : IMediator
    {
        public Task<TResponse> Send<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken = default) => request switch
        {
            IsPerUserBackendQuery => Task.FromResult((TResponse)(object)true),
            CompleteUserConnectionCommand => Task.FromException<TResponse>(failure),
            _ => throw new NotSupportedException($"The callback does not send {request.GetType().Name} for a per-user backend."),
        };

        public Task Send(IRequest request, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException($"The callback does not send {request.GetType().Name}.");

        public Task Publish<TNotification>(TNotification notification, CancellationToken cancellationToken = default)
            where TNotification : INotification =>
            throw new NotSupportedException("The callback publishes nothing.");
    }
}
