using System.Diagnostics.CodeAnalysis;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>An <see cref="IBackendPool"/> over a list of backends, kept sorted by name like the real pool.</summary>
public sealed class FakePool : IBackendPool
{
    private readonly List<IBackendConnection> _backends = [];

    public FakePool(params IEnumerable<IBackendConnection> backends)
    {
        foreach (var backend in backends)
        {
            Add(backend);
        }
    }

    public IReadOnlyList<IBackendConnection> Backends => [.. _backends];

    public bool InitialLoadCompleted { get; set; } = true;

    public void Add(IBackendConnection backend)
    {
        _backends.Add(backend);
        _backends.Sort((a, b) => string.CompareOrdinal(a.Name.Value, b.Name.Value));
    }

    public bool Remove(ServerName name) => _backends.RemoveAll(b => b.Name == name) > 0;

    public bool TryGet(ServerName name, [NotNullWhen(true)] out IBackendConnection? backend)
    {
        backend = _backends.Find(b => b.Name == name);
        return backend is not null;
    }
}
