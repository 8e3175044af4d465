using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;
using OneMcp.Infrastructure.Audit;
using OneMcp.Infrastructure.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Audit;

/// <summary>What the audit log must never do: keep arguments, or slow down or fail a call.</summary>
public sealed class AuditLogSafetyTests
{
    [Fact]
    public async Task CallTool_AtDebugLevel_LeavesArgumentValuesInNeitherTheAuditTableNorTheLog()
    {
        const string Secret = "argument-value-3f9c1e-nobody-may-keep";
        var capture = new LogCapture();
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            adjust: o => o with { LogLevel = LogLevel.Debug },
            configureBuilder: b => b.Logging.AddProvider(capture));
        var client = await gateway.ConnectAsync();

        (await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = Secret })).IsError.ShouldNotBe(true);
        await client.GetPromptAsync("alpha_1mcp_greeting", new Dictionary<string, object?> { ["name"] = Secret });
        await Should.ThrowAsync<ModelContextProtocol.McpException>(() => client.CallToolAsync("alpha_1mcp_throw", new Dictionary<string, object?> { ["message"] = Secret }).AsTask());

        var connections = gateway.Services.GetRequiredService<IDbConnectionFactory>();
        var rows = await Eventually.ValueAsync(
            async () =>
            {
                await using var connection = await connections.OpenAsync(CancellationToken.None);
                return (await connection.QueryAsync("SELECT * FROM audit_log")).Select(r => (IDictionary<string, object?>)r).ToList();
            },
            r => r.Count >= 3,
            "the three calls in the audit table");

        rows.Select(r => r["name"]).ShouldBe(["echo", "greeting", "throw"], ignoreOrder: true);
        var stored = string.Join('\n', rows.SelectMany(r => r.Values).Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)));
        stored.ShouldNotContain(Secret);
        capture.Lines.Count.ShouldBeGreaterThan(5, "the capture must have seen the calls' logs");
        capture.Lines.Where(l => l.Contains(Secret, StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [Fact]
    public async Task CallTool_WhenTheAuditStoreNeverAnswers_CallsStillReturnAndTheFullQueueDropsAndCounts()
    {
        var store = new NeverAnsweringAuditStore();
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            configureBuilder: b =>
            {
                b.Services.AddSingleton<IAuditRepository>(store);
                b.Services.AddSingleton(new AuditOptions { QueueCapacity = 2, MaxBatch = 1 });
            });
        var client = await gateway.ConnectAsync();

        // The writer takes one entry and waits on the store forever; two more fill the queue; the rest are dropped.
        for (var i = 0; i < 10; i++)
        {
            (await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "m" + i })).IsError.ShouldNotBe(true);
        }

        store.Calls.ShouldBe(1);
        gateway.Services.GetRequiredService<IAuditLogStatistics>().Dropped.ShouldBeGreaterThanOrEqualTo(7);
    }

    [Fact]
    public void Record_WhenTheQueueIsFull_DropsCountsAndWarnsOncePerInterval()
    {
        var capture = new LogCapture();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture));
        var log = new ChannelAuditLog(new AuditOptions { QueueCapacity = 2, DropWarningInterval = TimeSpan.FromHours(1) }, TimeProvider.System, factory.CreateLogger<ChannelAuditLog>());
        var entry = new AuditEntry(DateTimeOffset.UtcNow, AuditKinds.ToolCall, AuditOutcomes.Success, null, null, null, "alpha", "echo", 1, null);

        for (var i = 0; i < 10; i++)
        {
            log.Record(entry);
        }

        log.Dropped.ShouldBe(8);
        capture.Lines.Count(l => l.Contains("audit log queue is full", StringComparison.Ordinal)).ShouldBe(1);
    }

    /// <summary>A store whose writes never complete (until the host stops): the writer is stuck for good.</summary>
    private sealed class NeverAnsweringAuditStore : IAuditRepository
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async Task AddAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public Task<IReadOnlyList<AuditRecord>> ListAsync(AuditFilter filter, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditRecord>>([]);

        public Task<IReadOnlyList<AuditEntry>> CallsSinceAsync(DateTimeOffset since, string? subject, int max, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditEntry>>([]);

        public Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
