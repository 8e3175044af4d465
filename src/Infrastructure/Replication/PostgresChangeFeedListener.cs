using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OneMcp.Infrastructure.Backends;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// Listens on <c>onemcp_changes</c> over a dedicated PostgreSQL connection (not pooled) and hands each notification
/// to the <see cref="ChangeFeedDispatcher"/>, in order. Started before the backends are first loaded, so nothing
/// committed after that load is missed. A lost connection is logged and reopened with a capped backoff; once back,
/// everything is resynchronised once, since notifications sent meanwhile were not kept for this replica. An idle
/// connection is checked every <see cref="KeepAliveInterval"/> (by listening again), so a silently dead one is noticed.
/// The same resynchronisation repairs a change this replica failed to follow (<see cref="ChangeFeedDispatcher.FollowAsync"/>).
/// </summary>
public sealed partial class PostgresChangeFeedListener(
    PersistenceOptions persistence, ChangeFeedDispatcher dispatcher, TimeProvider time, ILogger<PostgresChangeFeedListener> logger)
    : BackgroundService
{
    internal static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private const string Listen = "LISTEN " + ChangeFeedPayload.Channel;

    // A null item asks for a resynchronisation (after a lost connection, or to repair a failed reaction); it queues
    // behind the notifications received before it.
    private readonly Channel<string?> _received = Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true });
    private NpgsqlConnection? _connection;
    private bool _resynchroniseOnConnect;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _connection = await ConnectAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // The backends are loaded without us: once listening, everything is read again.
            LogLost(logger, e);
            _resynchroniseOnConnect = true;
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dispatching = DispatchAsync(stoppingToken);
        try
        {
            await ListenAsync(stoppingToken);
        }
        finally
        {
            _received.Writer.TryComplete();
            await dispatching;
        }
    }

    public override void Dispose()
    {
        _connection?.Dispose();
        base.Dispose();
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var lostAt = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            var connection = _connection;
            _connection = null;
            try
            {
                if (connection is null)
                {
                    connection = await ConnectAsync(stoppingToken);
                    if (failures > 0)
                    {
                        var seconds = time.GetElapsedTime(lostAt).TotalSeconds;
                        LogRecovered(logger, seconds);
                    }
                }

                failures = 0;
                if (_resynchroniseOnConnect)
                {
                    _resynchroniseOnConnect = false;
                    _received.Writer.TryWrite(null);
                }

                while (true)
                {
                    if (!await connection.WaitAsync(KeepAliveInterval, stoppingToken))
                    {
                        await using var check = new NpgsqlCommand(Listen, connection);
                        await check.ExecuteNonQueryAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                if (failures++ == 0)
                {
                    lostAt = time.GetTimestamp();
                    LogLost(logger, e);
                }
                else
                {
                    LogStillLost(logger, failures, e.Message);
                }

                _resynchroniseOnConnect = true;
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }

            try
            {
                await Task.Delay(RetryDelay.After(failures, FirstRetryDelay, MaxRetryDelay), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        // Not from the pool: LISTEN belongs to this one session, which must not be reset or handed to anyone else.
        var builder = new NpgsqlConnectionStringBuilder(NpgsqlConnectionFactory.WithApplicationName(persistence.ConnectionString!))
        {
            Pooling = false,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Notification += (_, e) =>
            {
                if (e.Channel == ChangeFeedPayload.Channel)
                {
                    _received.Writer.TryWrite(e.Payload);
                }
            };
            await connection.OpenAsync(cancellationToken);
            await using var listen = new NpgsqlCommand(Listen, connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        try
        {
            await dispatcher.FollowAsync(_received, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Lost the connection that listens for other replicas' changes; reconnecting (changes made meanwhile are read again once back)")]
    private static partial void LogLost(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Still reconnecting the change feed (attempt {Attempt}): {Reason}")]
    private static partial void LogStillLost(ILogger logger, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for other replicas' changes again after {Seconds:0.0} s; resynchronising everything")]
    private static partial void LogRecovered(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stopped following other replicas' changes")]
    private static partial void LogStopped(ILogger logger);
}
