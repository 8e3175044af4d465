using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// What follows a committed change of a user's connection, wherever it was made (REST, the OAuth callback, a user's
/// removal): this replica stops that user's running instance (the next call starts one with what is stored), and the
/// other replicas are told to do the same (<see cref="GatewayChangeKind.UserConnections"/>).
/// </summary>
public sealed class UserConnectionChanges(IPerUserBackends instances, IChangeFeed feed)
{
    /// <summary>The name a change travels under: <c>&lt;backend&gt;/&lt;owner&gt;</c>, or <c>*/&lt;owner&gt;</c> for all of the owner's.</summary>
    public static string NameOf(ServerName? backend, ConnectionOwner owner) => $"{backend?.Value ?? "*"}/{owner.Key}";

    /// <summary>Reads a change's name back; false when it is not one (then everything of every owner is reloaded).</summary>
    public static bool TryParse(string? name, out ServerName? backend, out ConnectionOwner owner)
    {
        backend = null;
        owner = default;
        var slash = name?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash <= 0 || slash == name!.Length - 1)
        {
            return false;
        }

        var server = name[..slash];
        if (server != "*")
        {
            if (!ServerName.TryValidate(server, out _))
            {
                return false;
            }

            backend = ServerName.From(server);
        }

        owner = new ConnectionOwner(name[(slash + 1)..]);
        return true;
    }

    /// <summary>The owner's connection to <paramref name="backend"/> (all of them: null) changed and is committed.</summary>
    public async Task CommittedAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        await instances.ReleaseAsync(backend, owner, cancellationToken);

        // Committed: the other replicas must hear of it even if the caller went away meanwhile.
        await feed.PublishAsync(new GatewayChange(GatewayChangeKind.UserConnections, NameOf(backend, owner)), CancellationToken.None);
    }

    /// <summary>The owners whose connections run on this replica (<see cref="IPerUserBackends.OwnersRunning"/>).</summary>
    public IReadOnlyCollection<ConnectionOwner> RunningHere() => instances.OwnersRunning();

    /// <summary>Another replica committed such a change: only this replica's instances follow it.</summary>
    public Task ChangedElsewhereAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
        instances.ReleaseAsync(backend, owner, cancellationToken);
}
