using OneMcp.Application.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// One backend's <see cref="BackendState"/> and the only moves allowed between its statuses. Each method is one
/// transition and refuses (with <see cref="InvalidOperationException"/>) to start from a status it does not
/// leave; <see cref="Changed"/> completes at every move, so waiting for a state never polls.
/// </summary>
/// <remarks>
/// <code>
/// Connecting, Error, AwaitingOAuth  --BeginAttempt-->     Connecting (Restarting stays Restarting)
/// Connecting, Restarting            --Connected-->        Connected
/// Connecting, Restarting            --AttemptFailed-->    Error or AwaitingOAuth
/// Connected                         --ConnectionLost-->   Connecting (an HTTP session was lost)
/// Connected                         --Exited-->           Error      (a stdio process exited, no restart)
/// Connected                         --Restarting-->       Restarting (a stdio process exited, restart pending)
/// Connected                         --CrashLooped-->      CrashLoop  (restart budget used up)
/// every status but Disabled         --Stop-->             Disconnected (Disabled stays Disabled)
/// </code>
/// CrashLoop and Disconnected are ends (only Stop leaves CrashLoop); a disabled backend never moves.
/// </remarks>
public sealed class BackendStateMachine
{
    private readonly Lock _gate = new();
    private volatile BackendState _state;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Starts <see cref="BackendStatus.Connecting"/>, or <see cref="BackendStatus.Disabled"/> for a disabled backend.</summary>
    public BackendStateMachine(bool disabled)
    {
        _state = new BackendState(disabled ? BackendStatus.Disabled : BackendStatus.Connecting, null, null, 0);
    }

    public BackendState State => _state;

    public BackendStatus Status => _state.Status;

    /// <summary>
    /// Completes at the next transition. Read it before looking at <see cref="State"/>, then await it if the state
    /// is not the one wanted: a transition in between has then completed it already, so none is missed.
    /// </summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>A connect attempt begins; the last error stays visible until it succeeds or fails.</summary>
    public void BeginAttempt()
    {
        lock (_gate)
        {
            var current = _state;
            if (current.Status == BackendStatus.Restarting)
            {
                // The restart message ("restart n in s") stays until this attempt's outcome.
                return;
            }

            Require(current, BackendStatus.Connecting, BackendStatus.Connecting, BackendStatus.Error, BackendStatus.AwaitingOAuth);
            Set(new BackendState(BackendStatus.Connecting, current.LastError, current.LastConnectedAt, current.Restarts));
        }
    }

    /// <summary>
    /// The attempt succeeded: connected since <paramref name="at"/> in the MCP revision <paramref name="protocolVersion"/>,
    /// the error cleared.
    /// </summary>
    public void Connected(DateTimeOffset at, bool authorized, string? protocolVersion = null)
    {
        lock (_gate)
        {
            var current = _state;
            Require(current, BackendStatus.Connected, BackendStatus.Connecting, BackendStatus.Restarting);
            Set(new BackendState(BackendStatus.Connected, null, at, current.Restarts) { Authorized = authorized, ProtocolVersion = protocolVersion });
        }
    }

    /// <summary>The attempt failed: <see cref="BackendStatus.AwaitingOAuth"/> when the backend wants authorization, else <see cref="BackendStatus.Error"/>.</summary>
    public void AttemptFailed(string reason, bool awaitingOAuth)
    {
        var next = awaitingOAuth ? BackendStatus.AwaitingOAuth : BackendStatus.Error;
        lock (_gate)
        {
            var current = _state;
            Require(current, next, BackendStatus.Connecting, BackendStatus.Restarting);
            Set(new BackendState(next, reason, current.LastConnectedAt, current.Restarts));
        }
    }

    /// <summary>A connected backend's session was lost; it is being reconnected (at once, or after a wait when it keeps losing them).</summary>
    public void ConnectionLost(string reason) => MoveFromConnected(BackendStatus.Connecting, reason);

    /// <summary>A connected stdio backend's process exited and is not restarted.</summary>
    public void Exited(string reason) => MoveFromConnected(BackendStatus.Error, reason);

    /// <summary>A connected stdio backend's process exited and will be restarted: <paramref name="restarts"/> in a row so far.</summary>
    public void Restarting(string reason, int restarts)
    {
        lock (_gate)
        {
            var current = _state;
            Require(current, BackendStatus.Restarting, BackendStatus.Connected);
            Set(new BackendState(BackendStatus.Restarting, reason, current.LastConnectedAt, restarts));
        }
    }

    /// <summary>A connected stdio backend's process exited once more than its restart budget allows.</summary>
    public void CrashLooped(string reason) => MoveFromConnected(BackendStatus.CrashLoop, reason);

    /// <summary>The backend was stopped (removed, replaced or the gateway stops). A disabled backend stays disabled.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            var current = _state;
            if (current.Status is BackendStatus.Disabled or BackendStatus.Disconnected)
            {
                return;
            }

            Set(current with { Status = BackendStatus.Disconnected });
        }
    }

    private void MoveFromConnected(BackendStatus next, string reason)
    {
        lock (_gate)
        {
            var current = _state;
            Require(current, next, BackendStatus.Connected);
            Set(new BackendState(next, reason, current.LastConnectedAt, current.Restarts));
        }
    }

    private static void Require(BackendState current, BackendStatus next, params ReadOnlySpan<BackendStatus> allowedFrom)
    {
        if (!allowedFrom.Contains(current.Status))
        {
            throw new InvalidOperationException($"A backend cannot move from {current.Status} to {next}.");
        }
    }

    // Called under the gate: publishes the state, then wakes whoever waits for a change.
    private void Set(BackendState next)
    {
        if (next == _state)
        {
            return;
        }

        _state = next;
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
