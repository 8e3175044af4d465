using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Whether the gateway's database can be reached. <see cref="Classify"/> tells a "cannot reach the database"
/// failure (connection refused or reset, timeouts opening a connection, the server shutting down, SQLSTATE classes
/// 08 and 57P01-57P03, no free connection slot 53300, a read-only server 25006; SQLite unable to open its file or busy
/// beyond its timeout) from any other error. The last
/// outcome is remembered: while <see cref="IsUnreachable"/> holds, callers that can serve from what they cached do
/// so without waiting on the store, and a probe every <see cref="RecheckInterval"/> notices by itself when the
/// database is back. The warning comes once per outage, with a reason that names no host, user or password.
/// </summary>
public sealed partial class DatabaseAvailability(IDbConnectionFactory connections, TimeProvider time, ILogger<DatabaseAvailability> logger) : IDisposable
{
    /// <summary>What a refused request tells its caller.</summary>
    public const string UnavailableMessage = "The gateway's database cannot be reached; try again shortly.";

    /// <summary>The <c>Retry-After</c> of 503 answers, in seconds.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>How long the readiness probe waits for <c>SELECT 1</c>.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often, during an outage, the database is probed to notice it is back.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often a probe failing unexpectedly the same way is logged again (the first failure of a kind is logged at once).</summary>
    public static readonly TimeSpan UnexpectedFailureReminder = TimeSpan.FromMinutes(1);

    /// <summary>What <c>/health/ready</c> says when the probe fails in a way that does not mean "cannot be reached".</summary>
    public const string ProbeFailedReason = "database probe failed: the gateway's log says how";

    private const string RecheckProbe = "every second during an outage";
    private const string ReadinessProbe = "/health/ready, which answers 503 meanwhile";

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Outage? _outage;
    private bool _rechecking;
    private bool _disposed;
    private readonly RepeatedFailure _recheckFailures = new(time, UnexpectedFailureReminder);
    private readonly RepeatedFailure _readinessFailures = new(time, UnexpectedFailureReminder);

    /// <summary>True from the last failure to reach the database until it answers again.</summary>
    public bool IsUnreachable => Volatile.Read(ref _outage) is not null;

    /// <summary>Why the database is unreachable (<c>database unreachable: ...</c>), or null while it answers.</summary>
    public string? Reason => Volatile.Read(ref _outage) is { } outage ? "database unreachable: " + outage.Reason : null;

    /// <summary>
    /// Why <paramref name="exception"/> (or an exception inside it) means the database cannot be reached, or null
    /// for any other failure (a constraint, a bad query, a bug): those are not an outage and stay errors.
    /// </summary>
    public static string? Classify(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DatabaseUnreachableException:
                    return "the database did not answer";
                case PostgresException postgres:
                    return postgres.SqlState switch
                    {
                        "57P01" => "the server is shutting down (57P01)",
                        "57P02" => "the server crashed (57P02)",
                        "57P03" => "the server cannot accept connections yet (57P03)",
                        // Every connection slot taken (several replicas' pools against max_connections), or a server
                        // that became a read-only standby in a failover: transient, and a write retried later succeeds.
                        "53300" => "the server has no free connection slot (53300)",
                        "25006" => "the server is read-only (25006)",
                        { } state when state.StartsWith("08", StringComparison.Ordinal) => $"connection failure ({state})",
                        _ => null,
                    };
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused",
                        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => "connection lost",
                        SocketError.TimedOut => "connection timed out",
                        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found",
                        _ => "network error",
                    };
                case SqliteException sqlite:
                    return sqlite.SqliteErrorCode switch
                    {
                        14 => "the database file cannot be opened",
                        5 or 6 => "the database file stayed locked beyond the busy timeout",
                        10 => "the database file cannot be read or written",
                        _ => null,
                    };
                case NpgsqlException npgsql when e.InnerException is null or TimeoutException or IOException or EndOfStreamException:
                    // Npgsql's own connection-level failures (a broken stream, a timeout opening a connection, an
                    // exhausted pool) are NpgsqlExceptions without a server error; server errors are PostgresException.
                    return e.InnerException is TimeoutException || npgsql.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase)
                        ? "timed out connecting"
                        : "connection lost";
            }
        }

        return null;
    }

    /// <summary>A failure to reach the database: remembered (and logged once per outage), the pool's broken connections dropped.</summary>
    public void ReportFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reason = Classify(exception) ?? "the database did not answer";
        bool started;
        lock (_gate)
        {
            started = _outage is null;
            if (started)
            {
                Volatile.Write(ref _outage, new Outage(reason, time.GetUtcNow()));
            }
        }

        // Pooled connections opened before the outage are dead: without this, each would fail one request after
        // the database is back before the pool drops it.
        (connections as NpgsqlConnectionFactory)?.DataSource.Clear();
        if (started)
        {
            LogUnreachable(logger, reason, exception.GetType().Name);
            StartRechecking();
        }
    }

    /// <summary>The database answered: the outage (if any) is over.</summary>
    public void ReportSuccess()
    {
        Outage? ended;
        lock (_gate)
        {
            ended = _outage;
            Volatile.Write(ref _outage, null);
        }

        if (ended is not null)
        {
            var seconds = (time.GetUtcNow() - ended.Since).TotalSeconds;
            LogReachableAgain(logger, seconds);
        }
    }

    /// <summary>
    /// <c>SELECT 1</c> within <see cref="ProbeTimeout"/>: null when the database answers, else the reason
    /// (<c>database unreachable: ...</c>) it cannot be reached. Any other failure is thrown.
    /// </summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await using var connection = await connections.OpenAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(timeout.Token);
            ReportSuccess();
            return null;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            ReportFailure(new DatabaseUnreachableException($"The database did not answer within {ProbeTimeout.TotalSeconds} s.", e));
            return Reason;
        }
        catch (Exception e) when (Classify(e) is not null)
        {
            ReportFailure(e);
            return Reason;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void StartRechecking()
    {
        lock (_gate)
        {
            if (_rechecking || _disposed)
            {
                return;
            }

            _rechecking = true;
        }

        _ = Task.Run(RecheckAsync);
    }

    // During an outage nothing else may ask the database (MCP traffic serves from caches), so this notices its return.
    private async Task RecheckAsync()
    {
        CancellationToken stopping;
        lock (_gate)
        {
            if (_disposed)
            {
                _rechecking = false;
                return;
            }

            stopping = _stopping.Token;
        }

        try
        {
            while (IsUnreachable && !stopping.IsCancellationRequested)
            {
                await Task.Delay(RecheckInterval, time, stopping);
                await ProbeOnceAsync(stopping);
            }
        }
        catch (OperationCanceledException e) when (stopping.IsCancellationRequested)
        {
            LogRecheckStopped(logger, e);
        }
        finally
        {
            lock (_gate)
            {
                _rechecking = false;
            }
        }

        if (IsUnreachable && !stopping.IsCancellationRequested)
        {
            StartRechecking();
        }
    }

    /// <summary>
    /// <see cref="ProbeAsync"/> for <c>/health/ready</c>: a failure the probe does not classify (a changed password, a
    /// permission taken away) is the reason the gateway is not ready, not an error of the request. It is logged when it
    /// begins, reminded of once per <see cref="UnexpectedFailureReminder"/> while it goes on, and its end once, however
    /// often load balancers ask; never with the driver's message.
    /// </summary>
    public async Task<string?> ReadinessProbeAsync(CancellationToken cancellationToken)
    {
        string? reason;
        try
        {
            reason = await ProbeAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Note(_readinessFailures, ReadinessProbe, FailureKind(e), episode: null);
            return ProbeFailedReason;
        }

        if (_readinessFailures.Ended() is { } ended)
        {
            LogUnexpectedFailureEnded(logger, ReadinessProbe, ended.Kind, ended.Lasted.TotalSeconds, reason ?? "the database answers");
        }

        return reason;
    }

    /// <summary>
    /// One probe of the recheck loop. A failure the probe does not classify is logged as an Error when it begins, then
    /// reminded of once per <see cref="UnexpectedFailureReminder"/> while the same failure goes on, and its end once:
    /// not every second for as long as it lasts.
    /// </summary>
    private async Task ProbeOnceAsync(CancellationToken stopping)
    {
        var outage = Volatile.Read(ref _outage);
        string? reason;
        try
        {
            reason = await ProbeAsync(stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Note(_recheckFailures, RecheckProbe, FailureKind(e), outage);
            return;
        }

        // An answer is logged once as the outage's end (ReportSuccess); an outage going on, as this end.
        if (_recheckFailures.Ended() is { } ended && reason is not null)
        {
            LogUnexpectedFailureEnded(logger, RecheckProbe, ended.Kind, ended.Lasted.TotalSeconds, "still " + reason);
        }
    }

    private void Note(RepeatedFailure failures, string probe, string kind, object? episode)
    {
        var (note, lasted) = failures.Failed(kind, episode);
        if (note == RepeatedFailure.Note.Began)
        {
            LogProbeFailed(logger, probe, kind, UnexpectedFailureReminder.TotalMinutes);
        }
        else if (note == RepeatedFailure.Note.StillFailing)
        {
            LogProbeStillFailing(logger, probe, kind, lasted.TotalMinutes);
        }
    }

    /// <summary>
    /// What failed, without the exception's message: a driver's message may name the host, the user or a part of the
    /// connection string, and the log gets none of them. The server's SQLSTATE or SQLite's error code says enough.
    /// </summary>
    private static string FailureKind(Exception exception) => exception switch
    {
        PostgresException postgres => $"{nameof(PostgresException)} {postgres.SqlState}",
        SqliteException sqlite => $"{nameof(SqliteException)} {sqlite.SqliteErrorCode}",
        _ => exception.GetType().Name,
    };

    private sealed record Outage(string Reason, DateTimeOffset Since);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The database cannot be reached ({Reason}, {ErrorType}): MCP traffic is served from what this gateway holds, REST answers 503 until it is back")]
    private static partial void LogUnreachable(ILogger logger, string reason, string errorType);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "The database answers again after {Seconds:0.#} s")]
    private static partial void LogReachableAgain(ILogger logger, double seconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "The gateway is stopping: no more database probes")]
    private static partial void LogRecheckStopped(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Probing the database ({Probe}) failed unexpectedly ({Failure}), as when the database refuses the gateway's credentials or a permission; logged again every {ReminderMinutes} min while it fails this way")]
    private static partial void LogProbeFailed(ILogger logger, string probe, string failure, double reminderMinutes);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Probing the database ({Probe}) still fails unexpectedly ({Failure}), for {Minutes:0} min now")]
    private static partial void LogProbeStillFailing(ILogger logger, string probe, string failure, double minutes);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Probing the database ({Probe}) no longer fails with {Failure}, after {Seconds:0.#} s: {Outcome}")]
    private static partial void LogUnexpectedFailureEnded(ILogger logger, string probe, string failure, double seconds, string outcome);
}
