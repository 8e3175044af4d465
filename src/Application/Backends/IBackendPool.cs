using System.Diagnostics.CodeAnalysis;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>The set of running backends. Ordered by name, which is the stable merge order of every list.</summary>
public interface IBackendPool
{
    IReadOnlyList<IBackendConnection> Backends { get; }

    bool TryGet(ServerName name, [NotNullWhen(true)] out IBackendConnection? backend);

    /// <summary>True once every enabled backend has finished its first connect attempt (successful or not).</summary>
    bool InitialLoadCompleted { get; }
}
