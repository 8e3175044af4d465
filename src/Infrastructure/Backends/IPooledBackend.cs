using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// What the <see cref="BackendPool"/> holds for one backend: a shared <see cref="BackendConnection"/>, or the entry of a
/// per-user backend (<see cref="PerUser.PerUserBackendConnection"/>) whose users' connections run behind it.
/// </summary>
internal interface IPooledBackend : IBackendConnection, IAsyncDisposable
{
    /// <summary>Completes when the first connect attempt sequence has ended, successfully or not.</summary>
    Task FirstAttempt { get; }

    void Start();

    /// <summary>Applies settings that differ only in metadata; the connection stays up.</summary>
    void UpdateMetadata(BackendSettings settings);

    /// <summary>
    /// Stops it for good, ending the calls in flight with an error that says <paramref name="why"/> ("was restarted");
    /// by default as <see cref="IAsyncDisposable.DisposeAsync"/> does.
    /// </summary>
    ValueTask StopAsync(string why) => DisposeAsync();
}
