namespace OneMcp.IntegrationTests.Persistence;

/// <summary>A clock that says what the test sets (timers stay real).</summary>
public sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
}
