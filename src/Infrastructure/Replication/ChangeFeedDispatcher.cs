using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Replication;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// Turns what arrives on the change feed into <see cref="ChangeFeedReactions"/>, one at a time, each in a scope of
/// its own: this replica's own changes are skipped (it applied them already), a payload that is not a change is
/// logged and ignored, and a reaction that fails is logged without stopping the ones after it.
/// </summary>
public sealed partial class ChangeFeedDispatcher(ReplicaIdentity replica, IServiceScopeFactory scopes, ILogger<ChangeFeedDispatcher> logger)
{
    private const int LoggedPayloadLength = 200;

    /// <summary>True when the payload was a change from another replica and was applied.</summary>
    public async Task<bool> DispatchAsync(string? payload, CancellationToken cancellationToken)
    {
        if (!ChangeFeedPayload.TryParse(payload, out var parsed, out var error))
        {
            var shown = payload is { Length: > LoggedPayloadLength } ? payload[..LoggedPayloadLength] + "…" : payload;
            LogBadPayload(logger, error, shown);
            return false;
        }

        if (string.Equals(parsed.Origin, replica.Id, StringComparison.Ordinal))
        {
            return false;
        }

        return await RunAsync(reactions => reactions.ApplyAsync(parsed.Change, cancellationToken), parsed.Change.Kind.ToString());
    }

    /// <summary>Brings everything to the stored state (after notifications may have been lost).</summary>
    public Task<bool> ResynchroniseAsync(CancellationToken cancellationToken) =>
        RunAsync(reactions => reactions.ResynchroniseAsync(cancellationToken), "resynchronisation");

    private async Task<bool> RunAsync(Func<ChangeFeedReactions, Task> react, string what)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await react(scope.ServiceProvider.GetRequiredService<ChangeFeedReactions>());
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReactionFailed(logger, e, what);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a notification on the change feed that is not a change ({Reason}): {Payload}")]
    private static partial void LogBadPayload(ILogger logger, string reason, string? payload);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following a change from another replica failed ({Change})")]
    private static partial void LogReactionFailed(ILogger logger, Exception exception, string change);
}
