using OneMcp.Application.Replication;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>Counts how often cached token validations were dropped for another replica's change.</summary>
internal sealed class CountingOAuthCaches : IOAuthStateCaches
{
    private int _dropped;

    public int Dropped => Volatile.Read(ref _dropped);

    public void ChangedElsewhere() => Interlocked.Increment(ref _dropped);
}
