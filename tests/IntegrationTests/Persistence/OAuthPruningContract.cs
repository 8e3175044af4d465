using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OneMcp.Infrastructure.Persistence.Repositories;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// <see cref="OAuthPruningService"/> over the Dapper OpenIddict stores and the authorization request repository,
/// with a clock set by the test (<see cref="RepositoryContract.T0"/> is "now"; retention 14 days).
/// </summary>
public abstract class OAuthPruningContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private static readonly DateTimeOffset Old = T0.AddDays(-20);
    private static readonly DateTimeOffset Recent = T0.AddDays(-1);

    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _logs = new();

    [Fact]
    public async Task RunOnce_DeletesOldFinishedEntries_AndKeepsFreshAndLiveOnes()
    {
        await using var services = BuildServices();
        string applicationId, adHocId, revokedAuthorizationId, recentRevokedAuthorizationId, permanentId;
        string oldRedeemedId, oldRevokedId, recentRedeemedId, oldLiveId;
        await using (var scope = services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            var application = await applications.CreateAsync(new OpenIddictApplicationDescriptor { ClientId = "c1", ClientType = ClientTypes.Public }, Ct);
            applicationId = (await applications.GetIdAsync(application, Ct))!;

            async Task<string> Authorization(DateTimeOffset created, string status, string type)
            {
                var entity = await authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
                {
                    ApplicationId = applicationId,
                    CreationDate = created,
                    Status = status,
                    Subject = "alice",
                    Type = type,
                }, Ct);
                return (await authorizations.GetIdAsync(entity, Ct))!;
            }

            async Task<string> Token(DateTimeOffset created, DateTimeOffset expires, string status, string? authorizationId, string type)
            {
                var entity = await tokens.CreateAsync(new OpenIddictTokenDescriptor
                {
                    ApplicationId = applicationId,
                    AuthorizationId = authorizationId,
                    CreationDate = created,
                    ExpirationDate = expires,
                    Status = status,
                    Subject = "alice",
                    Type = type,
                }, Ct);
                return (await tokens.GetIdAsync(entity, Ct))!;
            }

            adHocId = await Authorization(Old, Statuses.Valid, AuthorizationTypes.AdHoc);
            revokedAuthorizationId = await Authorization(Old, Statuses.Revoked, AuthorizationTypes.Permanent);
            recentRevokedAuthorizationId = await Authorization(Recent, Statuses.Revoked, AuthorizationTypes.Permanent);
            permanentId = await Authorization(Old, Statuses.Valid, AuthorizationTypes.Permanent);

            oldRedeemedId = await Token(Old, Old.AddMinutes(5), Statuses.Redeemed, adHocId, TokenTypeIdentifiers.Private.AuthorizationCode);
            oldRevokedId = await Token(Old, DateTimeOffset.UtcNow.AddDays(30), Statuses.Revoked, null, TokenTypeIdentifiers.RefreshToken);
            recentRedeemedId = await Token(Recent, Recent.AddMinutes(5), Statuses.Redeemed, null, TokenTypeIdentifiers.Private.AuthorizationCode);
            oldLiveId = await Token(Old, DateTimeOffset.UtcNow.AddDays(30), Statuses.Valid, permanentId, TokenTypeIdentifiers.RefreshToken);
        }

        var requests = new AuthorizationRequestRepository(Factory);
        var decidedLongAgo = AuthorizationRequest.ForClient("alice", "c1", "Client", [], "{}", Old);
        decidedLongAgo.Deny("admin", Old.AddMinutes(1));
        var decidedRecently = AuthorizationRequest.ForClient("alice", "c1", "Client", [], "{}", Recent);
        decidedRecently.Approve("admin", [], Recent.AddMinutes(1));
        var pending = AuthorizationRequest.ForClient("alice", "c1", "Client", [], "{}", T0.AddMinutes(-1));
        foreach (var request in new[] { decidedLongAgo, decidedRecently, pending })
        {
            await requests.AddAsync(request, Ct);
        }

        var result = await services.GetRequiredService<OAuthPruningService>().RunOnceAsync(Ct);

        result.ShouldBe(new OAuthPruningResult(Tokens: 2, Authorizations: 2, AuthorizationRequests: 1));
        await using (var fresh = services.CreateAsyncScope())
        {
            var tokens = fresh.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            (await tokens.FindByIdAsync(oldRedeemedId, Ct)).ShouldBeNull();
            (await tokens.FindByIdAsync(oldRevokedId, Ct)).ShouldBeNull();
            (await tokens.FindByIdAsync(recentRedeemedId, Ct)).ShouldNotBeNull();
            (await tokens.FindByIdAsync(oldLiveId, Ct)).ShouldNotBeNull();

            var authorizations = fresh.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            (await authorizations.FindByIdAsync(adHocId, Ct)).ShouldBeNull();
            (await authorizations.FindByIdAsync(revokedAuthorizationId, Ct)).ShouldBeNull();
            (await authorizations.FindByIdAsync(recentRevokedAuthorizationId, Ct)).ShouldNotBeNull();
            (await authorizations.FindByIdAsync(permanentId, Ct)).ShouldNotBeNull();
        }

        (await requests.FindAsync(decidedLongAgo.Id, Ct)).ShouldBeNull();
        (await requests.FindAsync(decidedRecently.Id, Ct)).ShouldNotBeNull();
        (await requests.FindAsync(pending.Id, Ct)).ShouldNotBeNull();

        // A second pass finds nothing more to do.
        (await services.GetRequiredService<OAuthPruningService>().RunOnceAsync(Ct)).ShouldBe(new OAuthPruningResult(0, 0, 0));
    }

    [Fact]
    public async Task RunOnce_DeletesClientRegistrationsNeverAuthorizedWithinADay_AndKeepsUsedAndFreshOnes()
    {
        await using var services = BuildServices();
        var clock = services.GetRequiredService<ManualTimeProvider>();
        string abandonedId, authorizedId, formerlyAuthorizedId, tokenOnlyId, freshId;
        await using (var scope = services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();

            async Task<string> Register(string clientId, DateTimeOffset at)
            {
                clock.Now = at;
                var entity = await applications.CreateAsync(new OpenIddictApplicationDescriptor { ClientId = clientId, ClientType = ClientTypes.Public }, Ct);
                return (await applications.GetIdAsync(entity, Ct))!;
            }

            async Task<object> Authorize(string applicationId, DateTimeOffset at) => await authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
            {
                ApplicationId = applicationId,
                CreationDate = at,
                Status = Statuses.Valid,
                Subject = "alice",
                Type = AuthorizationTypes.Permanent,
            }, Ct);

            abandonedId = await Register("abandoned", T0.AddHours(-25));
            authorizedId = await Register("authorized", T0.AddHours(-25));
            formerlyAuthorizedId = await Register("formerly-authorized", T0.AddDays(-30));
            tokenOnlyId = await Register("token-only", T0.AddHours(-25));
            freshId = await Register("fresh", T0.AddHours(-23));
            await Authorize(authorizedId, T0.AddHours(-24));

            // Authorized once, and that authorization since pruned: the client was used, it stays.
            await authorizations.DeleteAsync(await Authorize(formerlyAuthorizedId, T0.AddDays(-29)), Ct);
            await tokens.CreateAsync(new OpenIddictTokenDescriptor
            {
                ApplicationId = tokenOnlyId,
                CreationDate = T0.AddHours(-24),
                ExpirationDate = T0.AddDays(1),
                Status = Statuses.Valid,
                Subject = "alice",
                Type = TokenTypeIdentifiers.RefreshToken,
            }, Ct);
        }

        clock.Now = T0;
        var result = await services.GetRequiredService<OAuthPruningService>().RunOnceAsync(Ct);

        result.Clients.ShouldBe(1);
        await using (var fresh = services.CreateAsyncScope())
        {
            var applications = fresh.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            (await applications.FindByIdAsync(abandonedId, Ct)).ShouldBeNull();
            (await applications.FindByIdAsync(authorizedId, Ct)).ShouldNotBeNull();
            (await applications.FindByIdAsync(formerlyAuthorizedId, Ct)).ShouldNotBeNull();
            (await applications.FindByIdAsync(tokenOnlyId, Ct)).ShouldNotBeNull();
            (await applications.FindByIdAsync(freshId, Ct)).ShouldNotBeNull();
        }

        // Two more hours: the fresh registration, still unused, passes its 24 hours too.
        clock.Now = T0.AddHours(2);
        (await services.GetRequiredService<OAuthPruningService>().RunOnceAsync(Ct)).Clients.ShouldBe(1);
        await using (var later = services.CreateAsyncScope())
        {
            (await later.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().FindByIdAsync(freshId, Ct)).ShouldBeNull();
        }
    }

    [Fact]
    public async Task RunOnce_UsesTheConfiguredRetention()
    {
        await using var services = BuildServices(o => o.Retention = TimeSpan.FromDays(30));
        var requests = new AuthorizationRequestRepository(Factory);
        var decided = AuthorizationRequest.ForClient("alice", "c1", "Client", [], "{}", Old);
        decided.Deny("admin", Old);
        await requests.AddAsync(decided, Ct);

        (await services.GetRequiredService<OAuthPruningService>().RunOnceAsync(Ct)).AuthorizationRequests.ShouldBe(0);
        (await requests.FindAsync(decided.Id, Ct)).ShouldNotBeNull();

        // Twenty days later, the 20-day-old decision is 40 days old.
        services.GetRequiredService<ManualTimeProvider>().Now = T0.AddDays(20);
        (await services.GetRequiredService<OAuthPruningService>().RunOnceAsync(Ct)).AuthorizationRequests.ShouldBe(1);
        (await requests.FindAsync(decided.Id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task HostedLoop_AFailingRunLogsAWarning_TheNextRunStillHappens_AndStopEndsItCleanly()
    {
        var repository = new FailingOnceRepository(new AuthorizationRequestRepository(Factory));
        await using var services = BuildServices(o =>
        {
            o.FirstRunDelay = TimeSpan.Zero;
            o.Interval = TimeSpan.FromMilliseconds(50);
        }, repository);
        var decided = AuthorizationRequest.ForClient("alice", "c1", "Client", [], "{}", Old);
        decided.Deny("admin", Old);
        await repository.AddAsync(decided, Ct);
        var hosted = services.GetServices<IHostedService>().ShouldHaveSingleItem().ShouldBeOfType<OAuthPruningService>();

        await hosted.StartAsync(Ct);
        await repository.SecondPrune.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await hosted.StopAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10));

        hosted.ExecuteTask.ShouldNotBeNull().IsCompletedSuccessfully.ShouldBeTrue();
        var warning = _logs.Where(l => l.Level == LogLevel.Warning).ShouldHaveSingleItem().Message;
        warning.ShouldContain("OAuth pruning failed");
        warning.ShouldContain(nameof(TimeoutException));
        (await repository.FindAsync(decided.Id, Ct)).ShouldBeNull();
    }

    private ServiceProvider BuildServices(Action<OAuthPruningOptions>? configure = null, IAuthorizationRequestRepository? requests = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingLoggerProvider(_logs)));
        var clock = new ManualTimeProvider(T0);
        services.AddSingleton(clock);
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IDbConnectionFactory>(Factory);
        services.AddSingleton<IAuthorizationRequestRepository>(requests ?? new AuthorizationRequestRepository(Factory));
        services.AddOpenIddict().AddCore(options => options.UseDapperStores());
        services.AddOAuthPruning(configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    /// <summary>The real repository, except that its first prune fails (a database blip).</summary>
    private sealed class FailingOnceRepository(IAuthorizationRequestRepository inner) : IAuthorizationRequestRepository
    {
        private int _prunes;

        public TaskCompletionSource SecondPrune { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<AuthorizationRequest?> FindAsync(Guid id, CancellationToken cancellationToken) => inner.FindAsync(id, cancellationToken);

        public Task<IReadOnlyList<AuthorizationRequest>> ListPendingAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.ListPendingAsync(now, cancellationToken);

        public Task AddAsync(AuthorizationRequest request, CancellationToken cancellationToken) => inner.AddAsync(request, cancellationToken);

        public Task UpdateAsync(AuthorizationRequest request, CancellationToken cancellationToken) =>
            inner.UpdateAsync(request, cancellationToken);

        public async Task<int> PruneAsync(DateTimeOffset threshold, DateTimeOffset now, CancellationToken cancellationToken)
        {
            switch (Interlocked.Increment(ref _prunes))
            {
                case 1:
                    throw new TimeoutException("database unavailable");
                case 2:
                    var pruned = await inner.PruneAsync(threshold, now, cancellationToken);
                    SecondPrune.TrySetResult();
                    return pruned;
                default:
                    return await inner.PruneAsync(threshold, now, cancellationToken);
            }
        }
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<(LogLevel Level, string Message)> messages) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(messages);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel Level, string Message)> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
