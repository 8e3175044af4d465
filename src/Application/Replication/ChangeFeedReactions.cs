using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Connections;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Listening;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Replication;

/// <summary>
/// What this replica does when another one committed a change (ADR 0030): the same as the local change did after
/// its commit, without publishing it again. Backends: the pool follows the stored set (clients get
/// <c>list_changed</c>). Backend credentials: the tokens in use are read again and the backend reconnects.
/// Presets: the sessions opened with one follow it. Users, tag scopes, tokens and grants: cached token validations
/// are dropped, so a revoked token or a disabled user is refused here too. A user's connection: that user's instance
/// stops, so their next call runs with what is stored. After a lost feed, everything at once.
/// </summary>
public sealed partial class ChangeFeedReactions(
    BackendCatalog catalog,
    IBackendServiceRepository backends,
    IBackendOAuth backendOAuth,
    IBackendRuntime runtime,
    IPresetRepository presets,
    SessionRouter router,
    SessionRegistry sessions,
    ListenerRegistry listeners,
    IEnumerable<IOAuthStateCaches> oauthCaches,
    UserConnectionChanges userConnections,
    Domain.Users.IUserRepository users,
    ILogger<ChangeFeedReactions> logger)
{
    public async Task ApplyAsync(GatewayChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        LogApplying(logger, change.Kind, change.Name);
        switch (change.Kind)
        {
            case GatewayChangeKind.Backends:
                await catalog.ReloadAsync(cancellationToken);
                break;
            case GatewayChangeKind.BackendCredentials when ServerName.TryValidate(change.Name, out _):
                var name = ServerName.From(change.Name);
                await backendOAuth.ReloadAsync(name, cancellationToken);
                await runtime.ReconnectAsync(name, cancellationToken);
                break;
            case GatewayChangeKind.BackendCredentials:
                await ReloadAllCredentialsAsync(cancellationToken);
                break;
            case GatewayChangeKind.Presets when !string.IsNullOrEmpty(change.Name):
                await FollowPresetAsync(change.Name, cancellationToken);
                break;
            case GatewayChangeKind.Presets:
                await FollowAllPresetsAsync(cancellationToken);
                break;
            case GatewayChangeKind.UserConnections when UserConnectionChanges.TryParse(change.Name, out var backend, out var owner):
                await userConnections.ChangedElsewhereAsync(backend, owner, cancellationToken);
                break;
            case GatewayChangeKind.UserConnections:
                // Not one this version writes: no owner to release; the instances keep running until their idle stop.
                LogUnknownConnectionChange(logger, change.Name);
                break;
            case GatewayChangeKind.TagScopes or GatewayChangeKind.Users or GatewayChangeKind.OAuthTokens:
                DropCachedValidations();
                break;
        }
    }

    /// <summary>
    /// Notifications sent while this replica was not listening are lost: everything it holds is brought to the
    /// stored state (the pool, every preset in use, the backends' tokens, the cached token validations, and every
    /// user's per-user instances, which restart with what is stored).
    /// </summary>
    public async Task ResynchroniseAsync(CancellationToken cancellationToken)
    {
        DropCachedValidations();
        await catalog.ReloadAsync(cancellationToken);
        await FollowAllPresetsAsync(cancellationToken);
        await ReloadAllCredentialsAsync(cancellationToken);
        await ReleaseAllUserConnectionsAsync(cancellationToken);
    }

    // Which user's connection changed meanwhile is unknown: a revoked one must not keep running, so all are released,
    // the connections of owners who are no user any more among them (removed meanwhile: only the runtime still knows them).
    private async Task ReleaseAllUserConnectionsAsync(CancellationToken cancellationToken)
    {
        var owners = new HashSet<ConnectionOwner> { ConnectionOwner.Local };
        owners.UnionWith((await users.ListAsync(cancellationToken)).Select(user => ConnectionOwner.Of(user.Id)));
        owners.UnionWith(userConnections.RunningHere());
        foreach (var owner in owners)
        {
            await userConnections.ChangedElsewhereAsync(null, owner, cancellationToken);
        }
    }

    private void DropCachedValidations()
    {
        foreach (var cache in oauthCaches)
        {
            cache.ChangedElsewhere();
        }
    }

    private async Task FollowPresetAsync(string name, CancellationToken cancellationToken)
    {
        var preset = await presets.FindByNameAsync(name, cancellationToken);

        // Deleted: the sessions opened with it do what they do after a local delete.
        router.PresetChanged(preset?.Name ?? name, preset is null ? null : TagFilter.Parse(preset.Expression));
    }

    private async Task FollowAllPresetsAsync(CancellationToken cancellationToken)
    {
        var stored = await presets.ListAsync(cancellationToken);
        var inUse = sessions.All.Select(s => s.Filter)
            .Concat(listeners.All.Select(l => l.Session.Filter))
            .Where(f => f.Kind == SessionFilterKind.Preset && f.PresetName is not null)
            .Select(f => f.PresetName!)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var preset in stored)
        {
            inUse.Remove(preset.Name);
            router.PresetChanged(preset.Name, TagFilter.Parse(preset.Expression));
        }

        foreach (var deleted in inUse)
        {
            router.PresetChanged(deleted, null);
        }
    }

    private async Task ReloadAllCredentialsAsync(CancellationToken cancellationToken)
    {
        foreach (var backend in await backends.ListAsync(cancellationToken))
        {
            // Only a backend whose tokens came or went reconnects; one whose tokens merely rotated keeps its connection.
            if (await backendOAuth.ReloadAsync(backend.Name, cancellationToken))
            {
                await runtime.ReconnectAsync(backend.Name, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Change from another replica: {Kind} {Name}")]
    private static partial void LogApplying(ILogger logger, GatewayChangeKind kind, string? name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A user connection change from another replica names no backend and owner ('{Name}'); nothing released")]
    private static partial void LogUnknownConnectionChange(ILogger logger, string? name);
}
