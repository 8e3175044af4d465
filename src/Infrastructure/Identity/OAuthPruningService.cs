using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Periodically deletes what the authorization server no longer needs: OpenIddict tokens and authorizations that are
/// redeemed, revoked, expired or orphaned (<see cref="IOpenIddictTokenManager.PruneAsync"/>,
/// <see cref="IOpenIddictAuthorizationManager.PruneAsync"/>) and authorization requests decided or expired, all older
/// than <see cref="OAuthPruningOptions.Retention"/> (a client's request that nobody decided or asked an administrator
/// about goes as soon as it expired: opening a page stored it); and client registrations for which no authorization was ever made,
/// older than <see cref="OAuthPruningOptions.UnusedClientRetention"/>. Every replica may run it: the deletes are idempotent.
/// A failed run is logged and the next one is attempted on schedule.
/// </summary>
internal sealed partial class OAuthPruningService(
    IServiceScopeFactory scopes,
    IOptions<OAuthPruningOptions> options,
    TimeProvider time,
    ILogger<OAuthPruningService> logger) : BackgroundService
{
    private readonly OAuthPruningOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Host shutdown ends the first wait early and disposes the timer, which ends the loop: nothing to catch.
        await Task.Delay(_options.FirstRunDelay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        using var timer = new PeriodicTimer(_options.Interval, time);
        using var stopping = stoppingToken.Register(timer.Dispose);
        while (!stoppingToken.IsCancellationRequested)
        {
            await RunSafelyAsync(stoppingToken);
            if (!await timer.WaitForNextTickAsync(CancellationToken.None))
            {
                break;
            }
        }
    }

    /// <summary>One pruning pass with the current time; throws what the stores throw.</summary>
    internal async Task<OAuthPruningResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var threshold = now - _options.Retention;
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;

        // Tokens first: an ad-hoc authorization is only prunable once its tokens are gone.
        var tokens = await services.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
        var authorizations = await services.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
        var requests = await services.GetRequiredService<IAuthorizationRequestRepository>().PruneAsync(threshold, now, cancellationToken);

        // Last: a client is only prunable once nothing refers to it. Only the Dapper store knows registration dates.
        var clients = services.GetRequiredService<IOpenIddictApplicationStore<OidcApplication>>() is DapperApplicationStore store
            ? await store.PruneNeverAuthorizedAsync(now - _options.UnusedClientRetention, cancellationToken)
            : 0;
        return new OAuthPruningResult(tokens, authorizations, requests, clients);
    }

    private async Task RunSafelyAsync(CancellationToken stoppingToken)
    {
        try
        {
            var result = await RunOnceAsync(stoppingToken);
            LogPruned(result.Tokens, result.Authorizations, result.AuthorizationRequests, result.Clients);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // The type and message only: no payloads, no connection strings, no stack in the warning.
            LogRunFailed(e.GetType().Name, e.Message);
        }
        catch (Exception e)
        {
            // Stopping mid-run is not a failure; the loop ends after this.
            LogStoppedMidRun(e);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "OAuth pruning removed {Tokens} tokens, {Authorizations} authorizations, {Requests} authorization requests and {Clients} never-used client registrations")]
    private partial void LogPruned(long tokens, long authorizations, int requests, long clients);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "OAuth pruning stopped mid-run: the gateway is stopping")]
    private partial void LogStoppedMidRun(Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "OAuth pruning failed ({ErrorType}: {Reason}); the next run is on schedule")]
    private partial void LogRunFailed(string errorType, string reason);
}
