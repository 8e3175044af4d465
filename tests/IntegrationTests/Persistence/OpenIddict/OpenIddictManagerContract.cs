using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.IntegrationTests.Persistence.OpenIddict;

/// <summary>
/// OpenIddict's own managers over the Dapper stores, wired the way the gateway wires them
/// (<c>AddOpenIddict().AddCore(o =&gt; o.UseDapperStores())</c>), on a freshly migrated database of each engine.
/// </summary>
public abstract class OpenIddictManagerContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public async Task ApplicationManager_CreatesAPublicClientAndFindsItByClientId()
    {
        await using var services = BuildServices();
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = "dcr-" + Guid.NewGuid().ToString("N"),
            ClientType = ClientTypes.Public,
            ApplicationType = ApplicationTypes.Native,
            DisplayName = "Claude Code",
        };
        descriptor.RedirectUris.Add(new Uri("http://127.0.0.1:33418/callback"));
        descriptor.RedirectUris.Add(new Uri("http://localhost/cb"));
        descriptor.Permissions.UnionWith([
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
            Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code, Permissions.Prefixes.Scope + "tag:web",
        ]);
        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        var created = await applications.CreateAsync(descriptor, Ct);
        created.ShouldBeOfType<OidcApplication>();

        var found = (await applications.FindByClientIdAsync(descriptor.ClientId, Ct)).ShouldNotBeNull();
        (await applications.GetDisplayNameAsync(found, Ct)).ShouldBe("Claude Code");
        (await applications.HasClientTypeAsync(found, ClientTypes.Public, Ct)).ShouldBeTrue();
        (await applications.GetRedirectUrisAsync(found, Ct)).ShouldBe(["http://127.0.0.1:33418/callback", "http://localhost/cb"], ignoreOrder: true);
        (await applications.HasPermissionAsync(found, Permissions.GrantTypes.AuthorizationCode, Ct)).ShouldBeTrue();
        (await applications.HasPermissionAsync(found, Permissions.Prefixes.Scope + "tag:web", Ct)).ShouldBeTrue();
        (await applications.HasPermissionAsync(found, Permissions.GrantTypes.ClientCredentials, Ct)).ShouldBeFalse();
        (await applications.HasRequirementAsync(found, Requirements.Features.ProofKeyForCodeExchange, Ct)).ShouldBeTrue();
        (await applications.ValidateRedirectUriAsync(found, "http://localhost/cb", Ct)).ShouldBeTrue();
        (await applications.ValidateRedirectUriAsync(found, "http://evil.example/cb", Ct)).ShouldBeFalse();
        (await applications.FindByClientIdAsync("someone-else", Ct)).ShouldBeNull();
        (await applications.CountAsync(Ct)).ShouldBe(1);
    }

    [Fact]
    public async Task TokenManager_CreatesFindsByReferenceIdRedeemsOnceAndPrunes()
    {
        await using var services = BuildServices();
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();

        var application = await applications.CreateAsync(new OpenIddictApplicationDescriptor { ClientId = "c1", ClientType = ClientTypes.Public }, Ct);
        var applicationId = (await applications.GetIdAsync(application, Ct))!;
        var authorization = await authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = applicationId,
            CreationDate = DateTimeOffset.UtcNow.AddDays(-2),
            Status = Statuses.Valid,
            Subject = "alice",
            Type = AuthorizationTypes.AdHoc,
        }, Ct);
        var authorizationId = (await authorizations.GetIdAsync(authorization, Ct))!;

        var code = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            ApplicationId = applicationId,
            AuthorizationId = authorizationId,
            CreationDate = DateTimeOffset.UtcNow.AddDays(-2),
            ExpirationDate = DateTimeOffset.UtcNow.AddDays(-2).AddMinutes(5),
            Payload = "secret-payload",
            ReferenceId = "reference-secret-1",
            Status = Statuses.Valid,
            Subject = "alice",
            Type = TokenTypeIdentifiers.Private.AuthorizationCode,
        }, Ct);
        var codeId = (await tokens.GetIdAsync(code, Ct))!;
        var live = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            ApplicationId = applicationId,
            CreationDate = DateTimeOffset.UtcNow,
            ExpirationDate = DateTimeOffset.UtcNow.AddHours(1),
            ReferenceId = "reference-secret-2",
            Status = Statuses.Valid,
            Subject = "alice",
            Type = TokenTypeIdentifiers.RefreshToken,
        }, Ct);

        var found = (await tokens.FindByReferenceIdAsync("reference-secret-1", Ct)).ShouldNotBeNull();
        (await tokens.GetIdAsync(found, Ct)).ShouldBe(codeId);
        (await tokens.FindByReferenceIdAsync("reference-secret-3", Ct)).ShouldBeNull();
        (await tokens.FindByIdAsync(codeId, Ct)).ShouldNotBeNull();

        // Two requests holding the same loaded code: OpenIddict lets exactly one redeem it.
        var copy = (await new DapperTokenStore(Factory).FindByIdAsync(codeId, Ct))!;
        (await tokens.TryRedeemAsync(found, Ct)).ShouldBeTrue();
        (await tokens.TryRedeemAsync(copy, Ct)).ShouldBeFalse();

        (await tokens.PruneAsync(DateTimeOffset.UtcNow.AddDays(-1), Ct)).ShouldBe(1);
        (await tokens.FindByReferenceIdAsync("reference-secret-1", Ct)).ShouldBeNull();
        (await tokens.FindByIdAsync(codeId, Ct)).ShouldBeNull();
        (await tokens.FindByReferenceIdAsync("reference-secret-2", Ct)).ShouldNotBeNull();

        // The ad-hoc authorization has no token left now, so it goes too. (The manager's entity cache of this scope
        // still holds it, as with OpenIddict's EF store: look in a fresh scope.)
        (await authorizations.PruneAsync(DateTimeOffset.UtcNow.AddDays(-1), Ct)).ShouldBe(1);
        await using (var fresh = services.CreateAsyncScope())
        {
            var freshAuthorizations = fresh.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            (await freshAuthorizations.FindByIdAsync(authorizationId, Ct)).ShouldBeNull();
            var freshTokens = fresh.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            (await freshTokens.CountAsync(Ct)).ShouldBe(1);
            (await freshTokens.FindByIdAsync((await tokens.GetIdAsync(live, Ct))!, Ct)).ShouldNotBeNull();
        }
    }

    private ServiceProvider BuildServices()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
        services.AddSingleton<IDbConnectionFactory>(Factory);
        services.AddOpenIddict().AddCore(options => options.UseDapperStores());
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Messages);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception) + " " + exception);
        }
    }
}
