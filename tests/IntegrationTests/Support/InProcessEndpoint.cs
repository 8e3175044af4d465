using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// One of the gateway's endpoints, mapped as the gateway maps it and invoked in this process with a request of the
/// test's making: for an answer that needs no gateway, backend or database started.
/// </summary>
internal static class InProcessEndpoint
{
    /// <param name="services">What the endpoint resolves.</param>
    /// <param name="map">Maps the endpoints, as the gateway does (e.g. <c>app.MapHealth()</c>).</param>
    /// <param name="route">The route pattern of the endpoint to invoke, as mapped.</param>
    /// <param name="request">The request: method, path, query, route values.</param>
    public static async Task<HttpResponse> InvokeAsync(
        Action<IServiceCollection> services, Action<IEndpointRouteBuilder> map, string route, Action<HttpRequest> request)
    {
        var builder = WebApplication.CreateSlimBuilder();
        services(builder.Services);
        await using var app = builder.Build();
        map(app);
        var endpoint = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == route);
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Response.Body = new MemoryStream();
        request(context.Request);

        await endpoint.RequestDelegate!(context);
        context.Response.Body.Position = 0;
        return context.Response;
    }
}

/// <summary>A mediator that answers the requests an endpoint under test sends (<see cref="Answer{TResponse}"/>) and nothing else.</summary>
internal abstract class StandInMediator : IMediator
{
    public Task<TResponse> Send<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken = default) =>
        Answer(request) ?? throw new NotSupportedException($"The endpoint under test was not expected to send {request.GetType().Name}.");

    public Task Send(IRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"The endpoint under test was not expected to send {request.GetType().Name}.");

    public Task Publish<TNotification>(TNotification notification, CancellationToken cancellationToken = default)
        where TNotification : INotification =>
        throw new NotSupportedException("The endpoint under test was not expected to publish.");

    /// <summary>The answer to <paramref name="request"/>, or null when the endpoint should not have sent it.</summary>
    protected abstract Task<TResponse>? Answer<TResponse>(IRequest<TResponse> request);
}
