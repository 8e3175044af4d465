namespace OneMcp.Domain.Backends;

/// <summary>A backend the gateway runs as a child process and talks to over its standard input and output.</summary>
public sealed record StdioBackendSettings : BackendSettings
{
    private readonly string _command = "";
    private readonly int _maxRestarts = DefaultMaxRestarts;
    private readonly int _maxInstances = DefaultMaxInstances;
    private readonly TimeSpan _idleTimeout = DefaultIdleTimeout;

    /// <summary>A per-user instance nobody called for this long is stopped (<c>idleTimeoutMinutes</c>).</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(15);

    /// <summary>At most this many per-user instances run at once (<c>maxInstances</c>).</summary>
    public const int DefaultMaxInstances = 20;

    public override BackendTransport Transport => BackendTransport.Stdio;

    /// <summary>The program to start; never blank.</summary>
    public required string Command
    {
        get => _command;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Command));
            _command = value;
        }
    }

    public IReadOnlyList<string> Args { get; init; } = [];
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public bool RestartOnExit { get; init; }

    /// <summary>0 means unlimited.</summary>
    public int MaxRestarts
    {
        get => _maxRestarts;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxRestarts));
            _maxRestarts = value;
        }
    }

    public TimeSpan RestartDelay { get; init; } = DefaultRestartDelay;

    /// <summary>Per-user backends only: how long an instance may sit unused before it is stopped; positive.</summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(IdleTimeout));
            _idleTimeout = value;
        }
    }

    /// <summary>Per-user backends only: how many users' instances may run at once; at least 1.</summary>
    public int MaxInstances
    {
        get => _maxInstances;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxInstances));
            _maxInstances = value;
        }
    }

    private protected override bool TransportDiffersFrom(BackendSettings other) =>
        other is not StdioBackendSettings o
        || !string.Equals(Command, o.Command, StringComparison.Ordinal)
        || !Args.SequenceEqual(o.Args, StringComparer.Ordinal)
        || !string.Equals(WorkingDirectory, o.WorkingDirectory, StringComparison.Ordinal)
        || !SameMap(Environment, o.Environment)
        || RestartOnExit != o.RestartOnExit
        || MaxRestarts != o.MaxRestarts
        || RestartDelay != o.RestartDelay
        || IdleTimeout != o.IdleTimeout
        || MaxInstances != o.MaxInstances;
}
