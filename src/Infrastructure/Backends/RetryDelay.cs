namespace OneMcp.Infrastructure.Backends;

/// <summary>How long to wait before trying again after failures in a row: doubling from a first delay, up to a cap.</summary>
internal static class RetryDelay
{
    public static TimeSpan After(int failures, TimeSpan first, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);

        // 2^20 times any sensible first delay is far past any sensible cap, and far from overflowing.
        return TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks * (1L << Math.Min(failures - 1, 20))));
    }
}
