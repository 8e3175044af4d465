using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OneMcp.Infrastructure.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// The Data Protection key ring is loaded (on a new database: its first key created) once the gateway listens, not
/// before (ADR 0041), and still without waiting for a request to need it.
/// </summary>
public sealed class KeyRingWarmUpTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the OAuth server registers Data Protection again
    public async Task ANewGateway_CreatesItsFirstKey_AfterItListens_WithoutARequest(bool enableAuth)
    {
        var probe = new KeysWhenStarted();
        void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<IHostedService>(sp => probe.On(sp.GetRequiredService<IDbConnectionFactory>()));
        await using var gateway = enableAuth
            ? await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder(), configureBuilder: Configure)
            : await GatewayUnderTest.StartAsync(new ConfigBuilder(), configureBuilder: Configure);

        probe.Keys.ShouldBe(0, "every hosted service had started and the server listened: no key ring was loaded before");
        gateway.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ShouldNotContain("DataProtectionHostedService");
        var connections = gateway.Services.GetRequiredService<IDbConnectionFactory>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        long keys;
        while ((keys = await CountKeysAsync(connections)) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        keys.ShouldBe(1, "the key ring is loaded after start, so the first request that needs it does not wait for it");
    }

    private static async Task<long> CountKeysAsync(IDbConnectionFactory connections)
    {
        await using var connection = await connections.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM data_protection_keys");
    }

    /// <summary>Counts the stored keys when every hosted service has started, Kestrel among them, before the host says it started.</summary>
    private sealed class KeysWhenStarted : IHostedLifecycleService
    {
        private IDbConnectionFactory? _connections;

        public long? Keys { get; private set; }

        public KeysWhenStarted On(IDbConnectionFactory connections)
        {
            _connections = connections;
            return this;
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StartedAsync(CancellationToken cancellationToken) =>
            Keys = await CountKeysAsync(_connections!);

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
