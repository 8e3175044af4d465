using System.Data.Common;
using System.Net;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OneMcp.Api.Health;
using OneMcp.Application.Health.Queries;
using OneMcp.Infrastructure.Persistence;
using OneMcp.IntegrationTests.Support;

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
        using var body = await JsonDocument.ParseAsync(response.Body);
        body.RootElement.GetProperty("status").GetString().ShouldBe(Readiness.NotReady);
        body.RootElement.GetProperty("reason").GetString().ShouldBe(DatabaseAvailability.ProbeFailedReason);
    }

    // The endpoint as the gateway maps it (auth off), with every backend connected.
    private static Task<HttpResponse> ReadyAsync(DatabaseAvailability database) =>
        InProcessEndpoint.InvokeAsync(
            services => services.AddSingleton<IMediator>(new HealthyBackends()).AddSingleton(database),
            app => app.MapHealth(),
            "/health/ready",
            request =>
            {
                request.Method = HttpMethods.Get;
                request.Path = "/health/ready";
            });

    private sealed class RefusingConnections(Exception refusal) : IDbConnectionFactory
    {
        public SqlDialect Dialect => SqlDialect.Postgres;

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Task.FromException<DbConnection>(refusal);
    }

    /// <summary>Answers the health query: loaded, no backend, so only the database decides readiness.</summary>
    private sealed class HealthyBackends : StandInMediator
    {
        protected override Task<TResponse>? Answer<TResponse>(IRequest<TResponse> request) => request is GetHealthQuery
            ? Task.FromResult((TResponse)(object)new HealthReport(HealthStatus.Healthy, Ready: true, "test", DateTimeOffset.UnixEpoch, []))
            : null;
    }
}
