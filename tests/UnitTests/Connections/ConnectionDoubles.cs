using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Connections;

/// <summary>An <see cref="IPerUserBackends"/> that records what was released (the runtime itself is Infrastructure's).</summary>
internal sealed class RecordingInstances : IPerUserBackends
{
    private readonly Lock _gate = new();
    private readonly List<(ServerName? Backend, ConnectionOwner Owner)> _released = [];

    public IReadOnlyList<(ServerName? Backend, ConnectionOwner Owner)> Released
    {
        get
        {
            lock (_gate)
            {
                return [.. _released];
            }
        }
    }

    public ValueTask<IBackendConnection> ForOwnerAsync(IBackendConnection backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The control plane never asks for an instance.");

    /// <summary>The owners whose connections the runtime says run.</summary>
    public List<ConnectionOwner> Owners { get; } = [];

    public IBackendConnection? Running(IBackendConnection backend, ConnectionOwner owner) => null;

    public IReadOnlyCollection<ConnectionOwner> OwnersRunning() => Owners;

    public Task ReleaseAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _released.Add((backend, owner));
        }

        return Task.CompletedTask;
    }
}

/// <summary>An <see cref="IUserBackendOAuth"/> that records the flows begun and answers approvals from a set of waiting owners.</summary>
internal sealed class RecordingUserOAuth : IUserBackendOAuth
{
    public List<(BackendSettings Backend, ConnectionOwner Owner, Uri RedirectUri)> Begun { get; } = [];

    public HashSet<(ServerName Backend, ConnectionOwner Owner)> Waiting { get; } = [];

    public List<(ServerName Backend, ConnectionOwner Owner)> Approved { get; } = [];

    public Task<Uri> BeginAsync(BackendSettings backend, ConnectionOwner owner, Uri redirectUri, CancellationToken cancellationToken)
    {
        Begun.Add((backend, owner, redirectUri));
        return Task.FromResult(new Uri($"https://auth.example.test/authorize?client_id=gw&state={Begun.Count}"));
    }

    public Task<UserConnectionOutcome> CompleteAsync(ServerName backend, ConnectionOwner owner, string state, string code, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The callback is not part of these tests.");

    public Task AbandonAsync(ServerName backend, ConnectionOwner owner, string state, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The callback is not part of these tests.");

    public Task<bool> ApproveAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        if (!Waiting.Remove((backend, owner)))
        {
            return Task.FromResult(false);
        }

        Approved.Add((backend, owner));
        return Task.FromResult(true);
    }
}
