namespace OneMcp.Application.Backends;

/// <summary>
/// Serialises changes to the stored backends with the pool's catch-up, so two changes can never apply their
/// snapshots in the wrong order. One per process.
/// </summary>
public sealed class BackendCatalogGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Releaser(_gate);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
