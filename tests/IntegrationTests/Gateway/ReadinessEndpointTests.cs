using System.Data.Common;
using System.Net;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OneMcp.Api.Health;
using OneMcp.Application.Health.Queries;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// <c>/health/ready</c> when the database refuses the gateway in a way that does not mean "cannot be reached" (a
/// changed password, a permission taken away), run in process on the endpoint itself: nothing is started.
/// </summary>
public sealed class ReadinessEndpointTests
{
    [Fact]
    public async Task Ready_WhenTheDatabaseRefusesTheGatewaysCredentials_Answers503NotReadyWithAReason_NotA500()
    {
        var refused = new PostgresException("password authentication failed for user \"onemcp\"", "FATAL", "FATAL", "28P01");
        using var database = new DatabaseAvailability(new RefusingConnections(refused), TimeProvider.System, NullLogger<DatabaseAvailability>.Instance);

        var response = await ReadyAsync(database);

        response.StatusCode.ShouldBe((int)HttpStatusCode.ServiceUnavailable);
        response.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(response.Body);
        body.RootElement.GetProperty("status").GetString().ShouldBe(Readiness.NotReady);
        body.RootElement.GetProperty("reason").GetString().ShouldBe(DatabaseAvailability.ProbeFailedReason);
    }

    // The endpoint as the gateway maps it (auth off), with every backend connected.
    private static async Task<HttpResponse> ReadyAsync(DatabaseAvailability database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton<IMediator>(new HealthyBackends());
        builder.Services.AddSingleton(database);
        await using var app = builder.Build();
        app.MapHealth();
        var endpoint = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == "/health/ready");
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/health/ready";
        context.Response.Body = new MemoryStream();

        await endpoint.RequestDelegate!(context);
        return context.Response;
    }

    private sealed class RefusingConnections(Exception refusal) : IDbConnectionFactory
    {
        public SqlDialect Dialect => SqlDialect.Postgres;

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Task.FromException<DbConnection>(refusal);
    }

    /// <summary>Answers the health query: loaded, no backend, so only the database decides readiness.</summary>
    private sealed class HealthyBackends : IMediator
    {
        public Task<TResponse> Send<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken = default) => request switch
        {
            GetHealthQuery => Task.FromResult((TResponse)(object)new HealthReport(HealthStatus.Healthy, Ready: true, "test", DateTimeOffset.UnixEpoch, [])),
            _ => throw new NotSupportedException($"The health endpoints do not send {request.GetType().Name}."),
        };

        public Task Send(IRequest request, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException($"The health endpoints do not send {request.GetType().Name}.");

        public Task Publish<TNotification>(TNotification notification, CancellationToken cancellationToken = default)
            where TNotification : INotification =>
            throw new NotSupportedException("The health endpoints publish nothing.");
    }
}
