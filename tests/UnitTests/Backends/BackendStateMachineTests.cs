using OneMcp.Application.Backends;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class BackendStateMachineTests
{
    private static readonly DateTimeOffset ConnectedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public enum Move
    {
        BeginAttempt,
        Connected,
        AttemptFailed,
        AttemptFailedAwaitingOAuth,
        ConnectionLost,
        Exited,
        Restarting,
        CrashLooped,
        Stop,
    }

    // Every status × every move: the status the move leads to, or null when the move is refused.
    private static readonly Dictionary<BackendStatus, Dictionary<Move, BackendStatus?>> Transitions = new()
    {
        [BackendStatus.Connecting] = Only(
            (Move.BeginAttempt, BackendStatus.Connecting),
            (Move.Connected, BackendStatus.Connected),
            (Move.AttemptFailed, BackendStatus.Error),
            (Move.AttemptFailedAwaitingOAuth, BackendStatus.AwaitingOAuth),
            (Move.Stop, BackendStatus.Disconnected)),
        [BackendStatus.Connected] = Only(
            (Move.ConnectionLost, BackendStatus.Connecting),
            (Move.Exited, BackendStatus.Error),
            (Move.Restarting, BackendStatus.Restarting),
            (Move.CrashLooped, BackendStatus.CrashLoop),
            (Move.Stop, BackendStatus.Disconnected)),
        [BackendStatus.AwaitingOAuth] = Only(
            (Move.BeginAttempt, BackendStatus.Connecting),
            (Move.Stop, BackendStatus.Disconnected)),
        [BackendStatus.Error] = Only(
            (Move.BeginAttempt, BackendStatus.Connecting),
            (Move.Stop, BackendStatus.Disconnected)),
        [BackendStatus.Restarting] = Only(
            (Move.BeginAttempt, BackendStatus.Restarting),
            (Move.Connected, BackendStatus.Connected),
            (Move.AttemptFailed, BackendStatus.Error),
            (Move.AttemptFailedAwaitingOAuth, BackendStatus.AwaitingOAuth),
            (Move.Stop, BackendStatus.Disconnected)),
        [BackendStatus.CrashLoop] = Only((Move.Stop, BackendStatus.Disconnected)),
        [BackendStatus.Disabled] = Only((Move.Stop, BackendStatus.Disabled)),
        [BackendStatus.Disconnected] = Only((Move.Stop, BackendStatus.Disconnected)),
    };

    public static TheoryData<BackendStatus, Move, BackendStatus> LegalMoves()
    {
        var data = new TheoryData<BackendStatus, Move, BackendStatus>();
        foreach (var (from, moves) in Transitions)
        {
            foreach (var (move, to) in moves)
            {
                if (to is { } status)
                {
                    data.Add(from, move, status);
                }
            }
        }

        return data;
    }

    public static TheoryData<BackendStatus, Move> IllegalMoves()
    {
        var data = new TheoryData<BackendStatus, Move>();
        foreach (var (from, moves) in Transitions)
        {
            foreach (var (move, to) in moves)
            {
                if (to is null)
                {
                    data.Add(from, move);
                }
            }
        }

        return data;
    }

    [Fact]
    public void TheTable_CoversEveryStatusAndEveryMove()
    {
        Transitions.Keys.ShouldBe(Enum.GetValues<BackendStatus>(), ignoreOrder: true);
        foreach (var moves in Transitions.Values)
        {
            moves.Keys.ShouldBe(Enum.GetValues<Move>(), ignoreOrder: true);
        }

        LegalMoves().Count.ShouldBe(22);
        IllegalMoves().Count.ShouldBe(50);
    }

    [Theory]
    [MemberData(nameof(LegalMoves))]
    public void LegalMove_LeadsToItsStatus(BackendStatus from, Move move, BackendStatus to)
    {
        var machine = In(from);

        Apply(machine, move);

        machine.Status.ShouldBe(to);
        machine.State.Status.ShouldBe(to);
    }

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void IllegalMove_IsRefusedAndChangesNothing(BackendStatus from, Move move)
    {
        var machine = In(from);
        var before = machine.State;
        var changed = machine.Changed;

        var refusal = Should.Throw<InvalidOperationException>(() => Apply(machine, move));

        refusal.Message.ShouldContain(from.ToString());
        machine.State.ShouldBeSameAs(before);
        changed.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public void NewMachine_IsConnecting_OrDisabledForADisabledBackend()
    {
        new BackendStateMachine(disabled: false).State.ShouldBe(new BackendState(BackendStatus.Connecting, null, null, 0));
        new BackendStateMachine(disabled: true).State.ShouldBe(new BackendState(BackendStatus.Disabled, null, null, 0));
    }

    [Fact]
    public void Connected_ClearsTheError_RecordsTheTime_AndWhetherTheGatewayHoldsATokenForIt()
    {
        var machine = new BackendStateMachine(disabled: false);
        machine.BeginAttempt();
        machine.AttemptFailed("HTTP 503 ServiceUnavailable.", awaitingOAuth: false);
        machine.BeginAttempt();

        machine.Connected(ConnectedAt, authorized: true);

        machine.State.ShouldBe(new BackendState(BackendStatus.Connected, null, ConnectedAt, 0) { Authorized = true });
    }

    [Fact]
    public void Connected_RecordsTheNegotiatedRevision_UntilTheConnectionIsLost()
    {
        var machine = new BackendStateMachine(disabled: false);
        machine.BeginAttempt();

        machine.Connected(ConnectedAt, authorized: false, protocolVersion: "2025-11-25");
        var connected = machine.State;
        machine.ConnectionLost("The connection was lost; reconnecting.");

        connected.ProtocolVersion.ShouldBe("2025-11-25");
        machine.State.ProtocolVersion.ShouldBeNull();
    }

    [Fact]
    public void BeginAttempt_KeepsTheLastErrorVisible_AndDropsAuthorized()
    {
        var machine = ConnectedMachine(authorized: true);
        machine.ConnectionLost("The connection was lost; reconnecting.");

        machine.BeginAttempt();

        machine.State.ShouldBe(new BackendState(BackendStatus.Connecting, "The connection was lost; reconnecting.", ConnectedAt, 0));
        machine.State.Authorized.ShouldBeFalse();
    }

    [Fact]
    public void AttemptFailed_SaysWhy_AndKeepsWhenItLastConnected()
    {
        var machine = ConnectedMachine();
        machine.ConnectionLost("lost");
        machine.BeginAttempt();

        machine.AttemptFailed("The server requires OAuth authorization.", awaitingOAuth: true);

        machine.State.ShouldBe(new BackendState(BackendStatus.AwaitingOAuth, "The server requires OAuth authorization.", ConnectedAt, 0));
    }

    [Fact]
    public void Restarting_CountsTheRestarts_AndTheCountSurvivesTheNextConnect()
    {
        var machine = ConnectedMachine();

        machine.Restarting("The server process exited (exit code 1); restart 2 in 2 s.", restarts: 2);
        machine.State.ShouldBe(new BackendState(BackendStatus.Restarting, "The server process exited (exit code 1); restart 2 in 2 s.", ConnectedAt, 2));

        var later = ConnectedAt.AddSeconds(2);
        machine.BeginAttempt();
        machine.State.LastError.ShouldBe("The server process exited (exit code 1); restart 2 in 2 s.");
        machine.Connected(later, authorized: false);
        machine.State.ShouldBe(new BackendState(BackendStatus.Connected, null, later, 2));
    }

    [Fact]
    public void ExitedAndCrashLooped_SayWhy()
    {
        var exited = ConnectedMachine();
        exited.Exited("The server process exited (exit code 3); 'restartOnExit' is off.");
        exited.State.ShouldBe(new BackendState(BackendStatus.Error, "The server process exited (exit code 3); 'restartOnExit' is off.", ConnectedAt, 0));

        var looping = ConnectedMachine();
        looping.CrashLooped("The server process exited 4 times in a row (exit code 1); restarts stopped after 3.");
        looping.State.ShouldBe(new BackendState(BackendStatus.CrashLoop, "The server process exited 4 times in a row (exit code 1); restarts stopped after 3.", ConnectedAt, 0));
    }

    [Fact]
    public void Stop_KeepsTheLastStateDetails()
    {
        var machine = ConnectedMachine(authorized: true);

        machine.Stop();

        machine.State.ShouldBe(new BackendState(BackendStatus.Disconnected, null, ConnectedAt, 0) { Authorized = true });
    }

    [Fact]
    public async Task Changed_CompletesAtTheNextTransition_AndOnlyThen()
    {
        var machine = new BackendStateMachine(disabled: false);
        machine.BeginAttempt();
        var changed = machine.Changed;
        changed.IsCompleted.ShouldBeFalse();

        machine.Connected(ConnectedAt, authorized: false);

        await changed.WaitAsync(TimeSpan.FromSeconds(5));
        machine.Changed.ShouldNotBeSameAs(changed);
        machine.Changed.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public void Changed_DoesNotComplete_WhenAMoveLeavesTheStateAsItWas()
    {
        var restarting = ConnectedMachine();
        restarting.Restarting("restart 1 in 1 s", restarts: 1);
        var whileRestarting = restarting.Changed;
        restarting.BeginAttempt();
        whileRestarting.IsCompleted.ShouldBeFalse();

        var disabled = new BackendStateMachine(disabled: true);
        var whileDisabled = disabled.Changed;
        disabled.Stop();
        whileDisabled.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public async Task AWaiterWokenByChanged_ReturnsOnceTheBackendIsConnectedAgain()
    {
        var machine = ConnectedMachine();
        machine.ConnectionLost("lost");
        var waiter = Task.Run(async () =>
        {
            while (true)
            {
                var changed = machine.Changed;
                if (machine.Status == BackendStatus.Connected)
                {
                    return;
                }

                await changed;
            }
        });

        machine.BeginAttempt();
        machine.AttemptFailed("HTTP 502 BadGateway.", awaitingOAuth: false);
        machine.BeginAttempt();
        waiter.IsCompleted.ShouldBeFalse();

        machine.Connected(ConnectedAt.AddMinutes(1), authorized: false);

        await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        waiter.IsCompletedSuccessfully.ShouldBeTrue();
    }

    private static Dictionary<Move, BackendStatus?> Only(params (Move Move, BackendStatus To)[] legal)
    {
        var moves = Enum.GetValues<Move>().ToDictionary(m => m, _ => (BackendStatus?)null);
        foreach (var (move, to) in legal)
        {
            moves[move] = to;
        }

        return moves;
    }

    private static BackendStateMachine ConnectedMachine(bool authorized = false)
    {
        var machine = new BackendStateMachine(disabled: false);
        machine.BeginAttempt();
        machine.Connected(ConnectedAt, authorized);
        return machine;
    }

    private static BackendStateMachine In(BackendStatus status)
    {
        BackendStateMachine machine;
        switch (status)
        {
            case BackendStatus.Disabled:
                return new BackendStateMachine(disabled: true);
            case BackendStatus.Connecting:
                return new BackendStateMachine(disabled: false);
            case BackendStatus.Disconnected:
                machine = new BackendStateMachine(disabled: false);
                machine.Stop();
                break;
            case BackendStatus.Error or BackendStatus.AwaitingOAuth:
                machine = new BackendStateMachine(disabled: false);
                machine.BeginAttempt();
                machine.AttemptFailed("failed", awaitingOAuth: status == BackendStatus.AwaitingOAuth);
                break;
            case BackendStatus.Connected:
                machine = ConnectedMachine();
                break;
            case BackendStatus.Restarting:
                machine = ConnectedMachine();
                machine.Restarting("restart 1 in 1 s", restarts: 1);
                break;
            case BackendStatus.CrashLoop:
                machine = ConnectedMachine();
                machine.CrashLooped("crash loop");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(status), status, null);
        }

        machine.Status.ShouldBe(status);
        return machine;
    }

    private static void Apply(BackendStateMachine machine, Move move)
    {
        switch (move)
        {
            case Move.BeginAttempt:
                machine.BeginAttempt();
                break;
            case Move.Connected:
                machine.Connected(ConnectedAt, authorized: false);
                break;
            case Move.AttemptFailed:
                machine.AttemptFailed("failed", awaitingOAuth: false);
                break;
            case Move.AttemptFailedAwaitingOAuth:
                machine.AttemptFailed("unauthorized", awaitingOAuth: true);
                break;
            case Move.ConnectionLost:
                machine.ConnectionLost("lost");
                break;
            case Move.Exited:
                machine.Exited("exited");
                break;
            case Move.Restarting:
                machine.Restarting("restarting", restarts: 1);
                break;
            case Move.CrashLooped:
                machine.CrashLooped("crash loop");
                break;
            case Move.Stop:
                machine.Stop();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(move), move, null);
        }
    }
}
