using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OneMcp.Infrastructure.Persistence;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Replicas;

/// <summary>Which failures mean "the database cannot be reached" (503, serve from caches) and which stay errors.</summary>
public sealed class DatabaseAvailabilityTests
{
    public static TheoryData<string, Exception> Unreachable() => new()
    {
        { "refused", new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)) },
        { "reset", new NpgsqlException("Exception while reading from stream", new IOException("reset", new SocketException((int)SocketError.ConnectionReset))) },
        { "broken stream", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()) },
        { "timeout opening", new NpgsqlException("The operation has timed out", new TimeoutException()) },
        { "admin shutdown", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01") },
        { "crash shutdown", new PostgresException("terminating connection due to crash of another server process", "FATAL", "FATAL", "57P02") },
        { "cannot connect now", new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03") },
        { "connection exception class", new PostgresException("connection failure", "FATAL", "FATAL", "08006") },
        { "every connection slot taken", new PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300") },
        { "read-only after a failover", new PostgresException("cannot execute INSERT in a read-only transaction", "ERROR", "ERROR", "25006") },
        { "sqlite cannot open", new SqliteException("SQLite Error 14: 'unable to open database file'.", 14) },
        { "sqlite busy", new SqliteException("SQLite Error 5: 'database is locked'.", 5) },
        { "wrapped", new InvalidOperationException("a use case failed", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))) },
    };

    public static TheoryData<string, Exception> OtherErrors() => new()
    {
        { "unique violation", new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505") },
        { "syntax error", new PostgresException("syntax error at or near", "ERROR", "ERROR", "42601") },
        { "query cancelled", new PostgresException("canceling statement due to user request", "ERROR", "ERROR", "57014") },
        { "sqlite constraint", new SqliteException("SQLite Error 19: 'UNIQUE constraint failed'.", 19) },
        { "a bug", new InvalidOperationException("Sequence contains no elements") },
        { "cancelled", new OperationCanceledException() },
    };

    [Theory]
    [MemberData(nameof(Unreachable))]
    public void Classify_WhenTheDatabaseCannotBeReached_GivesAReasonWithoutConnectionDetails(string what, Exception exception)
    {
        var reason = DatabaseAvailability.Classify(exception).ShouldNotBeNull(what);
        reason.ShouldNotContain("127.0.0.1");
        reason.ShouldNotContain("5432");
    }

    [Theory]
    [MemberData(nameof(OtherErrors))]
    public void Classify_WhenTheDatabaseAnsweredWithAnError_IsNotAnOutage(string what, Exception exception) =>
        DatabaseAvailability.Classify(exception).ShouldBeNull(what);

    [Fact]
    public async Task ReportFailureThenAnsweringProbe_EndsTheOutage()
    {
        using var directory = new TempDirectory();
        using var availability = new DatabaseAvailability(
            new SqliteConnectionFactory(Path.Combine(directory.Path, "gateway.db")), new FakeTimeProvider(), NullLogger<DatabaseAvailability>.Instance);
        availability.IsUnreachable.ShouldBeFalse();

        availability.ReportFailure(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)));
        availability.IsUnreachable.ShouldBeTrue();
        availability.Reason.ShouldBe("database unreachable: connection refused");

        (await availability.ProbeAsync(CancellationToken.None)).ShouldBeNull();
        availability.IsUnreachable.ShouldBeFalse();
        availability.Reason.ShouldBeNull();
    }

    [Fact]
    public async Task Probe_WhenTheDatabaseFileCannotBeOpened_SaysSoAndRemembersIt()
    {
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "gateway.db");
        var connections = new SqliteConnectionFactory(file);
        using var availability = new DatabaseAvailability(connections, new FakeTimeProvider(), NullLogger<DatabaseAvailability>.Instance);
        Directory.Delete(directory.Path, recursive: true);

        (await availability.ProbeAsync(CancellationToken.None)).ShouldBe("database unreachable: the database file cannot be opened");
        availability.IsUnreachable.ShouldBeTrue();
    }

    [Fact]
    public async Task Recheck_WhenTheProbeFailsUnexpectedlyForFiveMinutes_LogsEachKindOnceAndRemindsOnceAMinute()
    {
        // Before: an Error with the exception (and its message) every second, 300 of them.
        using var directory = new TempDirectory();
        var connections = new SwitchableConnections(new SqliteConnectionFactory(Path.Combine(directory.Path, "gateway.db")));
        var clock = new SteppedClock();
        var logger = new RecordingLogger<DatabaseAvailability>();
        using var availability = new DatabaseAvailability(connections, clock, logger);
        connections.Failure = new PostgresException("password authentication failed for user \"onemcp\"", "FATAL", "FATAL", "28P01");
        availability.ReportFailure(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)));

        for (var second = 1; second <= 300; second++)
        {
            await clock.WaitForTheNextDelayAsync();
            if (second == 151)
            {
                connections.Failure = new InvalidOperationException("Cannot open Host=db.internal;Username=onemcp;Password=hunter2");
            }

            clock.Advance(DatabaseAvailability.RecheckInterval);
        }

        await clock.WaitForTheNextDelayAsync();
        connections.Failure = null;
        (await availability.ProbeAsync(CancellationToken.None)).ShouldBeNull();

        var errors = logger.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message).ToList();
        errors.Count.ShouldBe(6, string.Join("\n", errors)); // each kind at 0, 1 and 2 min of its 2.5 min
        errors.Count(m => m.Contains("PostgresException 28P01", StringComparison.Ordinal)).ShouldBe(3);
        errors.Count(m => m.Contains("InvalidOperationException", StringComparison.Ordinal)).ShouldBe(3);
        errors.ShouldContain(m => m.Contains("still fails", StringComparison.Ordinal) && m.Contains("for 2 min", StringComparison.Ordinal));
        logger.Entries.Count(e => e.Level == LogLevel.Information && e.Message.Contains("answers again", StringComparison.Ordinal)).ShouldBe(1);
        logger.Entries.ShouldAllBe(e => e.Exception == null);
        logger.Lines.ShouldAllBe(line => !line.Contains("hunter2") && !line.Contains("onemcp") && !line.Contains("db.internal"));
    }

    [Fact]
    public async Task ReadinessProbe_WhenTheDatabaseRefusesTheGateway_SaysNotReadyWithoutThrowing_AndLogsOnceAMinuteHoweverOftenAsked()
    {
        // Before: the exception reached /health/ready, which answered 500 and logged the driver's message on every request.
        using var directory = new TempDirectory();
        var connections = new SwitchableConnections(new SqliteConnectionFactory(Path.Combine(directory.Path, "gateway.db")));
        var clock = new FakeTimeProvider();
        var logger = new RecordingLogger<DatabaseAvailability>();
        using var availability = new DatabaseAvailability(connections, clock, logger);
        connections.Failure = new PostgresException("password authentication failed for user \"onemcp\"", "FATAL", "FATAL", "28P01");

        // Two and a half minutes of load balancers asking, four at once every five seconds.
        for (var second = 0; second < 150; second += 5)
        {
            var reasons = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => availability.ReadinessProbeAsync(CancellationToken.None)));
            reasons.ShouldAllBe(reason => reason == DatabaseAvailability.ProbeFailedReason);
            clock.Advance(TimeSpan.FromSeconds(5));
        }

        availability.IsUnreachable.ShouldBeFalse(); // not an outage: nothing is served from caches for it
        connections.Failure = null;
        (await availability.ReadinessProbeAsync(CancellationToken.None)).ShouldBeNull();

        var errors = logger.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message).ToList();
        errors.Count.ShouldBe(3, string.Join("\n", errors)); // at 0, 1 and 2 min
        errors.ShouldAllBe(m => m.Contains("/health/ready", StringComparison.Ordinal) && m.Contains("PostgresException 28P01", StringComparison.Ordinal));
        errors.Count(m => m.Contains("still fails", StringComparison.Ordinal) && m.Contains("for 2 min", StringComparison.Ordinal)).ShouldBe(1);
        logger.Entries.Count(e => e.Level == LogLevel.Information && e.Message.Contains("no longer fails", StringComparison.Ordinal)).ShouldBe(1);
        logger.Entries.ShouldAllBe(e => e.Exception == null);
        logger.Lines.ShouldAllBe(line => !line.Contains("onemcp") && !line.Contains("password authentication"));
    }

    /// <summary>Fails with <see cref="Failure"/> while it is set, else opens the working database.</summary>
    private sealed class SwitchableConnections(IDbConnectionFactory working) : IDbConnectionFactory
    {
        private Exception? _failure;

        public Exception? Failure
        {
            get => Volatile.Read(ref _failure);
            set => Volatile.Write(ref _failure, value);
        }

        public SqlDialect Dialect => working.Dialect;

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            Failure is { } failure ? Task.FromException<DbConnection>(failure) : working.OpenAsync(cancellationToken);
    }

    /// <summary>
    /// Fake time that says when the recheck loop waits (its only timer): the test moves time on only then, so each
    /// second gives exactly one probe, and the next wait begins once that probe's outcome is logged.
    /// </summary>
    private sealed class SteppedClock : FakeTimeProvider
    {
        private readonly SemaphoreSlim _delays = new(0);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _delays.Release();
            return timer;
        }

        public async Task WaitForTheNextDelayAsync() =>
            (await _delays.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue("the recheck loop did not wait for its next probe");
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("onemcp-availability-").FullName;

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
