using System.Collections.Concurrent;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The MCP requests still open on an access token: a GET stream, a legacy SSE stream, a <c>subscriptions/listen</c>, a
/// call in progress. A revocation is checked on every new request, but these were let in before it and would go on
/// delivering (notifications, a backend's log lines, a call's answer) to a token that is no longer good. So when the
/// token store changes (<see cref="OAuthStoreChanges"/>: a revocation through <c>/revoke</c>, a refresh-token replay, a
/// revoked grant, a disabled, demoted or removed user, a changed password, here or on another replica), the tokens of the
/// open requests are looked up again in one query, and the requests of a token that was revoked, or whose grant was,
/// end as if their client had gone (their <see cref="HttpContext.RequestAborted"/> fires). An expired token ends nothing:
/// the client renews it for its next request, and a legacy SSE session cannot reconnect its stream.
/// </summary>
public sealed partial class LiveTokenRequests(
    IDbConnectionFactory connections, OAuthStoreChanges changes, TimeProvider time, ILogger<LiveTokenRequests> logger) : BackgroundService
{
    /// <summary>How often the store version is compared; a revocation ends the open requests within about this long.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    // Token ids per query: well within SQLite's limit on parameters.
    private const int IdsPerQuery = 500;

    private readonly ConcurrentDictionary<Tracked, string> _requests = new();
    private long _checkedVersion;
    private int _recheck;

    /// <summary>
    /// Follows the request until it ends (dispose the result then): its <see cref="HttpContext.RequestAborted"/> is
    /// replaced by one that also fires when the token of <paramref name="user"/> is revoked. <paramref name="validatedAt"/>
    /// is the store version read before the token was validated: a revocation since then is checked at the next tick,
    /// even if a check already ran for it before this request was followed. Null, following nothing, for a principal
    /// that is no stored access token.
    /// </summary>
    public IDisposable? Track(HttpContext context, ClaimsPrincipal user, long validatedAt)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(user);
        if (user.GetTokenId() is not { Length: > 0 } tokenId)
        {
            return null;
        }

        var tracked = new Tracked(this, CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted));
        context.RequestAborted = tracked.Ended;
        _requests[tracked] = tokenId;
        if (changes.Version != validatedAt)
        {
            Volatile.Write(ref _recheck, 1);
        }

        return tracked;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The gateway is stopping.
        }
    }

    /// <summary>Ends the open requests whose token was revoked since the last check; nothing to do while the store is unchanged.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        var version = changes.Version;
        if (version == Interlocked.Read(ref _checkedVersion) && Interlocked.Exchange(ref _recheck, 0) == 0)
        {
            return;
        }

        if (_requests.IsEmpty)
        {
            Interlocked.Exchange(ref _checkedVersion, version);
            return;
        }

        var open = _requests.ToArray();
        HashSet<string> valid;
        try
        {
            valid = await ValidTokensAsync([.. open.Select(r => r.Value).Distinct(StringComparer.Ordinal)], cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The store cannot answer (ADR 0032): the next tick asks again; new requests meet the usual checks meanwhile.
            Volatile.Write(ref _recheck, 1);
            LogCheckFailed(logger, e);
            return;
        }

        Interlocked.Exchange(ref _checkedVersion, version);
        var ended = 0;
        foreach (var (request, tokenId) in open)
        {
            if (!valid.Contains(tokenId) && request.End())
            {
                ended++;
            }
        }

        if (ended > 0)
        {
            LogEnded(logger, ended);
        }
    }

    // The ids among these whose token is still valid, and so is the authorization (the grant) it was issued under.
    private async Task<HashSet<string>> ValidTokensAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var valid = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(IdsPerQuery))
        {
            var parameters = new DynamicParameters();
            parameters.AddText("Valid", OpenIddictConstants.Statuses.Valid);
            var names = new string[chunk.Length];
            for (var i = 0; i < chunk.Length; i++)
            {
                names[i] = "@T" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                parameters.AddText(names[i][1..], chunk[i]);
            }

            valid.UnionWith(await OidcStoreSupport.QueryAsync<string>(connections,
                "SELECT t.id FROM openiddict_tokens t LEFT JOIN openiddict_authorizations a ON a.id = t.authorization_id " +
                $"WHERE t.id IN ({string.Join(", ", names)}) AND t.status = @Valid AND (t.authorization_id IS NULL OR a.status = @Valid)",
                parameters, cancellationToken));
        }

        return valid;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended {Count} open MCP request(s) whose access token was revoked")]
    private static partial void LogEnded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not check the tokens of open MCP requests; trying again")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);

    /// <summary>One followed request: its own end, linked to the client's, fired by <see cref="End"/>.</summary>
    private sealed class Tracked(LiveTokenRequests owner, CancellationTokenSource ended) : IDisposable
    {
        private readonly Lock _gate = new();
        private bool _ending;
        private bool _finished;

        public CancellationToken Ended { get; } = ended.Token;

        /// <summary>Ends the request, unless it finished meanwhile; true when it was ended now.</summary>
        public bool End()
        {
            lock (_gate)
            {
                if (_finished || _ending || ended.IsCancellationRequested)
                {
                    return false;
                }

                _ending = true;
            }

            // Outside the lock: cancelling runs the request's own callbacks, which may well finish it.
            ended.Cancel();
            lock (_gate)
            {
                _ending = false;
                if (_finished)
                {
                    ended.Dispose();
                }
            }

            return true;
        }

        /// <summary>The request finished: no longer followed (its source is disposed, at once or once <see cref="End"/> is done with it).</summary>
        public void Dispose()
        {
            owner._requests.TryRemove(this, out _);
            lock (_gate)
            {
                if (_finished)
                {
                    return;
                }

                _finished = true;
                if (!_ending)
                {
                    ended.Dispose();
                }
            }
        }
    }
}
