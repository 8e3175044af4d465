using Microsoft.Extensions.Logging;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.OAuth;

// Renewed tokens the store could not take are offered to it again in the background until it takes them: with rotating
// refresh tokens, the refresh token they replaced is already spent, so a restart before they are saved would lose the
// backend's authorization.
public sealed partial class BackendTokenSource : IDisposable
{
    /// <summary>The background saves of renewed tokens wait longer after each failure, up to this (from <see cref="TransientRetryDelay"/>).</summary>
    internal static readonly TimeSpan MaxSaveRetryDelay = TimeSpan.FromMinutes(5);

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Ends the background saves (the host is stopping).</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>
    /// Starts saving the entry's unsaved tokens in the background, unless that is already under way (one loop per entry,
    /// so an outage costs one pending save per backend and user, never more).
    /// </summary>
    private void SaveInBackground(ServerName backend, ConnectionOwner? owner, Entry entry)
    {
        if (Interlocked.Exchange(ref entry.Saving, 1) == 0)
        {
            _ = SaveUntilStoredAsync(backend, owner, entry);
        }
    }

    /// <summary>
    /// Offers the unsaved tokens to the store after <see cref="TransientRetryDelay"/>, then at doubling intervals up to
    /// <see cref="MaxSaveRetryDelay"/>, until they are saved, other tokens are stored over them (an approval, a reconnect,
    /// another replica; <see cref="SaveAsync"/> takes those up) or they are replaced in memory (<see cref="Use"/>). Each
    /// attempt holds the entry's gate, as a renewal does: it never overlaps one.
    /// </summary>
    private async Task SaveUntilStoredAsync(ServerName backend, ConnectionOwner? owner, Entry entry)
    {
        var credentials = owner is null ? "shared" : "user";
        var delay = TransientRetryDelay;
        try
        {
            while (entry.Unsaved is not null)
            {
                await Task.Delay(delay, time, _stopping.Token);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxSaveRetryDelay.Ticks));
                await entry.Gate.WaitAsync(_stopping.Token);
                try
                {
                    // Saved by a renewal meanwhile, or replaced: nothing left to do.
                    if (entry.Unsaved is not { } unsaved)
                    {
                        break;
                    }

                    using var deadline = new CancellationTokenSource(SaveTimeout, time);
                    await using var replicas = refreshLock is null ? null : await refreshLock.AcquireAsync(backend, owner, deadline.Token);
                    if (ReferenceEquals(await SaveAsync(backend, owner, entry, unsaved, deadline.Token), unsaved.Tokens))
                    {
                        LogSavedLate(logger, backend.Value, credentials);
                    }
                }
                catch (Exception e) when (!_stopping.IsCancellationRequested)
                {
                    // The type and message only: never the tokens.
                    LogSaveRetryFailed(logger, backend.Value, credentials, delay.TotalSeconds, e.GetType().Name, e.Message);
                }
                finally
                {
                    entry.Gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The host is stopping: what is unsaved stays unsaved (the log said so when the save failed).
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the wait: the host is stopping.
        }
        finally
        {
            Volatile.Write(ref entry.Saving, 0);
        }

        // A save that failed while this loop was ending found it still running and did not start another.
        if (entry.Unsaved is not null && !_stopping.IsCancellationRequested)
        {
            SaveInBackground(backend, owner, entry);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: saving the renewed OAuth tokens ({Credentials} credentials) failed again, tried again in {Seconds} s: {ErrorType}: {Reason}")]
    private static partial void LogSaveRetryFailed(ILogger logger, string server, string credentials, double seconds, string errorType, string reason);
}
