using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OneMcp.Application.Audit;
using OneMcp.Application.Audit.Queries;
using OneMcp.Infrastructure.Audit;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>The audit log's store on both engines: round trip, filters, paging, the hour's calls and pruning.</summary>
public abstract class AuditRepositoryContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private AuditRepository Repository => new(Factory);

    private static AuditEntry Entry(
        DateTimeOffset time, string kind = AuditKinds.ToolCall, string outcome = AuditOutcomes.Success, string user = "ada",
        string? backend = "alpha", string? name = "echo", long durationMs = 5, string? errorCode = null) =>
        new(time, kind, outcome, user, "sub-" + user, "client-1", backend, name, durationMs, errorCode);

    [Fact]
    public async Task Add_ThenList_RoundTripsEveryField_NewestFirst()
    {
        var first = new AuditEntry(T0, AuditKinds.ToolCall, AuditOutcomes.Failure, "Zoë " + NonAscii, "sub-1", "client-1", "alpha", "echo", 1234, "-32603")
        {
            Credentials = AuditCredentials.User,
            Target = "bob " + NonAscii,
        };
        var second = Entry(T0.AddSeconds(1), kind: AuditKinds.SignIn, backend: null, name: "SignIn");
        await Repository.AddAsync([first, second], Ct);

        var rows = await Repository.ListAsync(new AuditFilter(), 10, Ct);

        rows.Count.ShouldBe(2);
        rows[0].Entry.Kind.ShouldBe(AuditKinds.SignIn);
        rows[0].Entry.Backend.ShouldBeNull();
        rows[0].Entry.Credentials.ShouldBeNull();
        rows[0].Entry.Target.ShouldBeNull();
        rows[0].Id.ShouldBeGreaterThan(rows[1].Id);
        var loaded = rows[1].Entry;
        loaded.ShouldBe(first with { Time = Stored(T0) });
        ShouldBeStored(loaded.Time, T0);
    }

    [Fact]
    public async Task Add_WhenMoreRowsThanOneStatement_StoresThemAll()
    {
        var entries = Enumerable.Range(0, 250).Select(i => Entry(T0.AddMilliseconds(i), name: "tool" + i) with { Credentials = AuditCredentials.Shared, Target = "preset" + i }).ToList();

        await Repository.AddAsync(entries, Ct);

        (await Db.CountAsync("audit_log")).ShouldBe(250);
        var rows = await Repository.ListAsync(new AuditFilter(), 300, Ct);
        rows.ShouldAllBe(r => r.Entry.Credentials == AuditCredentials.Shared);
        rows.Select(r => r.Entry.Target).ShouldBe(entries.Select(e => e.Target).Reverse());
    }

    [Fact]
    public async Task Add_WhenABatchIsWrittenAgain_StoresEachEntryOnce_AndKeylessEntriesAsOften()
    {
        var batch = Enumerable.Range(0, 3).Select(i => Entry(T0.AddSeconds(i), name: "tool" + i).WithKey()).ToList();
        var keyless = Entry(T0, name: "keyless");

        await Repository.AddAsync([.. batch, keyless], Ct);
        await Repository.AddAsync([.. batch, keyless], Ct);

        var rows = await Repository.ListAsync(new AuditFilter(), 10, Ct);
        rows.Select(r => r.Entry.Name).Order().ShouldBe(["keyless", "keyless", "tool0", "tool1", "tool2"]);
    }

    [Fact]
    public async Task Writer_WhenTheConnectionDropsAfterTheCommit_WritesTheBatchAgainWithoutDuplicates()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new AuditOptions { BatchWindow = TimeSpan.Zero };
        var log = new ChannelAuditLog(options, clock, NullLogger<ChannelAuditLog>.Instance);
        var store = new DropsAfterFirstCommit(Repository, Factory.Dialect);
        using var writer = new AuditWriter(log, store, options, clock, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(Ct);

        log.Record(Entry(T0, name: "first"));
        log.Record(Entry(T0.AddSeconds(1), name: "second"));

        // The writer takes the dropped connection for an outage and writes the kept batch again after 1 s of its clock.
        await Eventually.TrueAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                return store.Attempts >= 2 && log.Reader.Count == 0;
            },
            "the batch written again");
        await writer.StopAsync(Ct);

        (await Repository.ListAsync(new AuditFilter(), 10, Ct)).Select(r => r.Entry.Name).ShouldBe(["second", "first"]);
    }

    [Fact]
    public async Task Add_KeepsAnEmptyTextApartFromNone()
    {
        await Repository.AddAsync([Entry(T0, name: "") with { ErrorCode = "", ClientId = null }], Ct);

        var loaded = (await Repository.ListAsync(new AuditFilter(), 10, Ct)).ShouldHaveSingleItem().Entry;
        loaded.Name.ShouldBe(string.Empty);
        loaded.ErrorCode.ShouldBe(string.Empty);
        loaded.ClientId.ShouldBeNull();
    }

    [Fact]
    public async Task Add_TextWithANulOrHalfASurrogatePair_IsStoredWithAReplacementCharacter_AndFoundByTheSameFilter()
    {
        // As a caller can send them: a tool name, a user name typed on the sign-in page, a client_id. PostgreSQL's text
        // takes no NUL, and half a surrogate pair is no UTF-8: either failed the whole batch, other users' rows with it.
        await Repository.AddAsync(
        [
            Entry(T0, user: "a\0b", name: "x\0"),
            Entry(T0.AddSeconds(1), user: "bob", name: "half \uD83D pair"),
            Entry(T0.AddSeconds(2), user: "bob", name: "whole \uD83D\uDE00 pair"),
        ], Ct);

        var rows = await Repository.ListAsync(new AuditFilter(), 10, Ct);
        rows.Select(r => r.Entry.Name).ShouldBe(["whole \uD83D\uDE00 pair", "half \uFFFD pair", "x\uFFFD"]);
        (await Repository.ListAsync(new AuditFilter(User: "a\0b"), 10, Ct)).ShouldHaveSingleItem().Entry.UserName.ShouldBe("a\uFFFDb");
    }

    [Fact]
    public async Task Add_WhenARowIsRefused_StoresNoneOfTheBatch()
    {
        // A row the table refuses (kind is NOT NULL) between two good ones: the batch is one transaction.
        AuditEntry[] entries = [Entry(T0), Entry(T0.AddSeconds(1)) with { Kind = null! }, Entry(T0.AddSeconds(2))];

        await Should.ThrowAsync<System.Data.Common.DbException>(() => Repository.AddAsync(entries, Ct));

        (await Db.CountAsync("audit_log")).ShouldBe(0);
        await Repository.AddAsync([Entry(T0)], Ct);
        (await Db.CountAsync("audit_log")).ShouldBe(1);
    }

    [Fact]
    public async Task List_WhenFiltered_ReturnsOnlyMatchingRows()
    {
        await Repository.AddAsync(
        [
            Entry(T0, user: "ada", backend: "alpha"),
            Entry(T0.AddMinutes(1), user: "bob", backend: "alpha", outcome: AuditOutcomes.Failure, errorCode: "-32602"),
            Entry(T0.AddMinutes(2), user: "bob", backend: "beta", kind: AuditKinds.PromptGet),
            Entry(T0.AddMinutes(3), user: "ada", backend: null, kind: AuditKinds.Change, name: "RegisterBackend"),
        ], Ct);

        async Task<string[]> Names(AuditFilter filter) =>
            [.. (await Repository.ListAsync(filter, 10, Ct)).Select(r => $"{r.Entry.UserName}/{r.Entry.Backend}/{r.Entry.Kind}")];

        (await Names(new AuditFilter(User: "bob"))).ShouldBe(["bob/beta/prompts/get", "bob/alpha/tools/call"]);
        (await Names(new AuditFilter(User: "sub-ada"))).ShouldBe(["ada//change", "ada/alpha/tools/call"]);
        (await Names(new AuditFilter(Subject: "sub-bob", Backend: "alpha"))).ShouldBe(["bob/alpha/tools/call"]);
        (await Names(new AuditFilter(Kind: AuditKinds.PromptGet))).ShouldBe(["bob/beta/prompts/get"]);
        (await Names(new AuditFilter(Outcome: AuditOutcomes.Failure))).ShouldBe(["bob/alpha/tools/call"]);
        (await Names(new AuditFilter(Since: T0.AddMinutes(1), Until: T0.AddMinutes(2)))).ShouldBe(["bob/beta/prompts/get", "bob/alpha/tools/call"]);
        (await Names(new AuditFilter(User: "nobody"))).ShouldBeEmpty();
        (await Names(new AuditFilter(Backends: new HashSet<string> { "beta" }))).ShouldBe(["ada//change", "bob/beta/prompts/get"]);
        (await Names(new AuditFilter(Backends: new HashSet<string> { "alpha", "beta" }, User: "bob"))).ShouldBe(["bob/beta/prompts/get", "bob/alpha/tools/call"]);
        (await Names(new AuditFilter(Backends: new HashSet<string>()))).ShouldBe(["ada//change"]);
    }

    [Fact]
    public async Task ListAudit_WhenPagedWithCursor_VisitsEveryRowOnce_EvenWhileRowsAreAdded()
    {
        await Repository.AddAsync([.. Enumerable.Range(0, 7).Select(i => Entry(T0.AddSeconds(i), name: "t" + i))], Ct);
        var handler = new ListAuditHandler(Repository);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await handler.Handle(new ListAuditQuery(Limit: "3", Cursor: cursor), Ct);
            seen.AddRange(page.Items.Select(i => i.Name!));
            cursor = page.NextCursor;
            pages++;

            // A row written meanwhile is newer than every page already read: it never shifts the pages.
            await Repository.AddAsync([Entry(T0.AddMinutes(10), name: "late" + pages)], Ct);
        }
        while (cursor is not null);

        pages.ShouldBe(3);
        seen.ShouldBe(["t6", "t5", "t4", "t3", "t2", "t1", "t0"]);
    }

    [Fact]
    public async Task CallsSince_ReturnsOnlyBackendCallsInTheWindow_OfTheSubjectWhenGiven()
    {
        await Repository.AddAsync(
        [
            Entry(T0.AddHours(-2), name: "old"),
            Entry(T0.AddMinutes(-30), name: "recent", user: "ada"),
            Entry(T0.AddMinutes(-20), name: "other", user: "bob", kind: AuditKinds.ResourceRead),
            Entry(T0.AddMinutes(-10), name: "SignIn", kind: AuditKinds.SignIn, backend: null),
        ], Ct);

        (await Repository.CallsSinceAsync(T0.AddHours(-1), null, 100, Ct)).Select(e => e.Name).ShouldBe(["recent", "other"]);
        (await Repository.CallsSinceAsync(T0.AddHours(-1), "sub-bob", 100, Ct)).Select(e => e.Name).ShouldBe(["other"]);
    }

    [Fact]
    public async Task PruningRunOnce_DeletesEntriesOlderThanTheRetention_AndKeepsTheRest()
    {
        await Repository.AddAsync(
        [
            Entry(T0.AddDays(-31), name: "too old"),
            Entry(T0.AddDays(-30).AddSeconds(-1), name: "just too old"),
            Entry(T0.AddDays(-29), name: "kept"),
            Entry(T0, name: "new"),
        ], Ct);
        var pruning = new AuditPruningService(
            Repository, new AuditOptions { Retention = TimeSpan.FromDays(30) }, new ManualTimeProvider(T0), NullLogger<AuditPruningService>.Instance);

        (await pruning.RunOnceAsync(Ct)).ShouldBe(2);

        (await Repository.ListAsync(new AuditFilter(), 10, Ct)).Select(r => r.Entry.Name).ShouldBe(["new", "kept"]);
        (await pruning.RunOnceAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task Prune_DeletesOnlyWhatIsOlder_InBoundedBatches_SoOtherWritersGetTheirTurn()
    {
        await Repository.AddAsync([.. Enumerable.Range(0, 5).Select(i => Entry(T0.AddSeconds(i), name: "old" + i)), Entry(T0.AddSeconds(10), name: "kept")], Ct);
        var counting = new CountingConnectionFactory(Factory);
        var repository = new AuditRepository(counting) { PruneBatchSize = 2 };

        (await repository.PruneAsync(T0.AddSeconds(5), Ct)).ShouldBe(5);

        counting.Commands.ShouldBe(3); // 2 + 2 + 1: never more than a batch at once
        (await Repository.ListAsync(new AuditFilter(), 10, Ct)).Select(r => r.Entry.Name).ShouldBe(["kept"]);
        (await repository.PruneAsync(T0.AddSeconds(5), Ct)).ShouldBe(0);
    }

    /// <summary>
    /// The engine's store, except that the first write's acknowledgement is lost: the rows are committed, then the
    /// connection fails as a dropped one does (PostgreSQL) or the file reports an I/O error (SQLite).
    /// </summary>
    private sealed class DropsAfterFirstCommit(IAuditRepository inner, SqlDialect dialect) : IAuditRepository
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task AddAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
        {
            await inner.AddAsync(entries, cancellationToken);
            if (Interlocked.Increment(ref _attempts) == 1)
            {
                throw dialect == SqlDialect.Postgres
                    ? new NpgsqlException("Exception while reading from stream", new EndOfStreamException())
                    : new SqliteException("disk I/O error", 10);
            }
        }

        public Task<IReadOnlyList<AuditRecord>> ListAsync(AuditFilter filter, int limit, CancellationToken cancellationToken) =>
            inner.ListAsync(filter, limit, cancellationToken);

        public Task<IReadOnlyList<AuditEntry>> CallsSinceAsync(DateTimeOffset since, string? subject, int max, CancellationToken cancellationToken) =>
            inner.CallsSinceAsync(since, subject, max, cancellationToken);

        public Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken) => inner.PruneAsync(threshold, cancellationToken);
    }
}
