using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OneMcp.Application.Audit;
using OneMcp.Infrastructure.Audit;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Audit;

/// <summary>The writer lets a burst gather so that it costs one transaction, not one per entry.</summary>
public sealed class AuditWriterTests
{
    [Fact]
    public async Task Writer_WhenEntriesArriveWithinTheBatchWindow_WritesThemInOneBatch()
    {
        // The window passes only when the test moves the clock: however slow the machine, "second" and "third"
        // arrive within it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new AuditOptions { BatchWindow = TimeSpan.FromSeconds(1) };
        var log = new ChannelAuditLog(options, clock, NullLogger<ChannelAuditLog>.Instance);
        var store = new RecordingAuditStore();
        using var writer = new AuditWriter(log, store, options, clock, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        log.Record(Entry("first"));
        log.Record(Entry("second"));
        log.Record(Entry("third"));

        var batches = await Eventually.ValueAsync(
            () =>
            {
                clock.Advance(options.BatchWindow);
                return Task.FromResult(store.Batches);
            },
            b => b.Sum(x => x.Count) == 3,
            "the three entries in the store");
        batches.ShouldHaveSingleItem().Select(e => e.Name).ShouldBe(["first", "second", "third"]);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Writer_WhenTheStoreRefusesOneEntryOfABatch_WritesTheOthers()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new AuditOptions { BatchWindow = TimeSpan.FromSeconds(1) };
        var log = new ChannelAuditLog(options, clock, NullLogger<ChannelAuditLog>.Instance);
        var store = new RecordingAuditStore { Refuses = "poisoned" };
        using var writer = new AuditWriter(log, store, options, clock, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        log.Record(Entry("alice's call"));
        log.Record(Entry("poisoned"));
        log.Record(Entry("bob's sign-in"));

        var written = await Eventually.ValueAsync(
            () =>
            {
                clock.Advance(options.BatchWindow);
                return Task.FromResult(store.Batches.SelectMany(b => b).Select(e => e.Name).ToList());
            },
            names => names.Count == 2,
            "the two entries the store takes");
        written.ShouldBe(["alice's call", "bob's sign-in"]);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Writer_WhenStoppedDuringAWrite_WritesThatBatchWhileDraining()
    {
        var options = new AuditOptions { BatchWindow = TimeSpan.Zero };
        var log = new ChannelAuditLog(options, TimeProvider.System, NullLogger<ChannelAuditLog>.Instance);
        var store = new RecordingAuditStore { HoldFirstWriteUntilCancelled = true };
        using var writer = new AuditWriter(log, store, options, TimeProvider.System, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        log.Record(Entry("in flight"));
        await store.FirstWriteStarted.WaitAsync(TimeSpan.FromSeconds(30));
        log.Record(Entry("queued"));
        await writer.StopAsync(CancellationToken.None);

        store.Batches.SelectMany(b => b).Select(e => e.Name).ShouldBe(["in flight", "queued"], ignoreOrder: true);
    }

    [Fact]
    public async Task StopAsync_WhenTheHostsShutdownTimeoutIsAlreadySpent_ReturnsOnlyOnceTheQueueIsWritten()
    {
        // The web server stops first and may spend the host's whole shutdown timeout on a request still running: the
        // writer is then stopped with a token that is already cancelled.
        var options = new AuditOptions { BatchWindow = TimeSpan.Zero };
        var log = new ChannelAuditLog(options, TimeProvider.System, NullLogger<ChannelAuditLog>.Instance);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new RecordingAuditStore { WritesWaitFor = release.Task };
        using var writer = new AuditWriter(log, store, options, TimeProvider.System, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        log.Record(Entry("last call before shutdown"));
        await store.FirstWriteStarted.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = writer.StopAsync(new CancellationToken(canceled: true));

        stopping.IsCompleted.ShouldBeFalse("the writer returned before its queue was written, so the process would exit without it");
        release.SetResult();
        await stopping;
        store.Batches.SelectMany(b => b).Select(e => e.Name).ShouldBe(["last call before shutdown"]);
    }

    [Fact]
    public async Task Writer_WhileTheDatabaseCannotBeReached_KeepsTheBatchAndWritesItOnceItIsBack()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new AuditOptions { BatchWindow = TimeSpan.Zero };
        var log = new ChannelAuditLog(options, clock, NullLogger<ChannelAuditLog>.Instance);
        var store = new RecordingAuditStore { UnreachableForAttempts = 3 };
        using var writer = new AuditWriter(log, store, options, clock, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);

        log.Record(Entry("during the outage"));

        // Each retry waits on the writer's clock (1 s, 2 s, 4 s): the test moves it until the store takes the entry.
        var batches = await Eventually.ValueAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                return Task.FromResult(store.Batches);
            },
            b => b.Count > 0,
            "the kept entry in the store");
        batches.ShouldHaveSingleItem().Select(e => e.Name).ShouldBe(["during the outage"]);
        store.Attempts.ShouldBe(4);
        await writer.StopAsync(CancellationToken.None);
    }

    private static AuditEntry Entry(string name) =>
        new(DateTimeOffset.UtcNow, AuditKinds.ToolCall, AuditOutcomes.Success, null, null, null, "alpha", name, 1, null);

    private sealed class RecordingAuditStore : IAuditRepository
    {
        private readonly List<IReadOnlyList<AuditEntry>> _batches = [];

        public IReadOnlyList<IReadOnlyList<AuditEntry>> Batches
        {
            get
            {
                lock (_batches)
                {
                    return [.. _batches];
                }
            }
        }

        private readonly TaskCompletionSource _firstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The first write waits until it is cancelled (the gateway stopping mid-write) and stores nothing.</summary>
        public bool HoldFirstWriteUntilCancelled { get; init; }

        public Task FirstWriteStarted => _firstWriteStarted.Task;

        /// <summary>Every write waits for this task (or its cancellation) before it stores anything.</summary>
        public Task? WritesWaitFor { get; init; }

        /// <summary>The first this many writes fail as when PostgreSQL is down (connection refused).</summary>
        public int UnreachableForAttempts { get; init; }

        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        /// <summary>A write holding an entry of this name fails as a row the store refuses does (not an outage).</summary>
        public string? Refuses { get; init; }

        public async Task AddAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) <= UnreachableForAttempts)
            {
                throw new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused));
            }

            if (Refuses is { } refused && entries.Any(e => e.Name == refused))
            {
                throw new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021");
            }

            if (_firstWriteStarted.TrySetResult() && HoldFirstWriteUntilCancelled)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (WritesWaitFor is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

            lock (_batches)
            {
                _batches.Add([.. entries]);
            }
        }

        public Task<IReadOnlyList<AuditRecord>> ListAsync(AuditFilter filter, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditRecord>>([]);

        public Task<IReadOnlyList<AuditEntry>> CallsSinceAsync(DateTimeOffset since, string? subject, int max, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditEntry>>([]);

        public Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
