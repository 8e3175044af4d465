using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Api.Mcp;

/// <summary>
/// The streamable HTTP sessions this process serves, by the id their clients send (ADR 0038): what
/// <see cref="SessionCalls"/> needs to answer a call in one of them without the SDK's server.
/// </summary>
internal sealed class LiveSessions(IOptions<HttpServerTransportOptions> transport)
{
    private readonly ConcurrentDictionary<string, LiveSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>
    /// How often a session's calls go the SDK's way all the same. The SDK ends a session it has seen no request in for
    /// its idle timeout (2 h by default); a call it does not see does not count, so one call in this interval does.
    /// </summary>
    public TimeSpan SdkTurnInterval { get; } = TurnInterval(transport.Value);

    /// <summary>The SDK's clock for idle sessions, which the turns follow.</summary>
    public TimeProvider Clock { get; } = transport.Value.TimeProvider;

#pragma warning disable MCP9006 // Sessions are what initialize clients need; their idle timeout is the SDK's.
    private static TimeSpan TurnInterval(HttpServerTransportOptions options) =>
        options.IdleTimeout is { Ticks: > 0 } idle && idle / 4 < TimeSpan.FromMinutes(1) ? idle / 4 : TimeSpan.FromMinutes(1);
#pragma warning restore MCP9006

    public void Add(string sessionId, LiveSession session) => _sessions[sessionId] = session;

    public bool TryGet(string sessionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LiveSession? session) =>
        _sessions.TryGetValue(sessionId, out session);

    /// <summary>The session ended: its calls in flight are cancelled, as the SDK cancels its own handlers.</summary>
    public void Remove(string sessionId)
    {
        if (_sessions.TryRemove(sessionId, out var session))
        {
            session.End();
        }
    }
}

/// <summary>
/// One session of <see cref="LiveSessions"/>: the gateway's session, the SDK's server for it, whose it is (as the SDK
/// reads it), and the calls answered outside the SDK that are in flight, by request id, so that the client's
/// <c>notifications/cancelled</c> reaches them.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The end of the session is a token without a timer or wait handle, and calls that began before the end may still link to it.")]
internal sealed class LiveSession
{
    private readonly ConcurrentDictionary<RequestId, CancellationTokenSource> _calls = new();
    private readonly CancellationTokenSource _ended = new();
    private readonly (string Type, string Value, string Issuer)? _user;
    private readonly TimeProvider _clock;
    private readonly long _sdkTurnEvery;
    private long _nextSdkTurn;

    public LiveSession(GatewaySession session, ClaimsPrincipal user, LiveSessions sessions)
    {
        Session = session;
        _user = UserOf(user);
        _clock = sessions.Clock;
        _sdkTurnEvery = (long)(sessions.SdkTurnInterval.TotalSeconds * _clock.TimestampFrequency);
        _nextSdkTurn = _clock.GetTimestamp() + _sdkTurnEvery;
    }

    public GatewaySession Session { get; }

    /// <summary>The SDK's server of the session, once it runs.</summary>
    public McpServer? Server { get; set; }

    /// <summary>
    /// Whether the user of <paramref name="request"/> is the one who opened the session, compared as the SDK compares
    /// them (the first name-identifier, <c>sub</c> or UPN claim of an authenticated user, with its issuer). Anyone
    /// else's request goes to the SDK, which refuses it. A request nobody signed in to is read as such without the
    /// anonymous user ASP.NET Core would make for it on first sight of <see cref="HttpContext.User"/>.
    /// </summary>
    public bool IsOpenedBy(HttpContext request) =>
        UserOf(request.Features.Get<IHttpAuthenticationFeature>()?.User) == _user;

    /// <summary>True once per <see cref="LiveSessions.SdkTurnInterval"/>: that call goes the SDK's way, which keeps the session alive there.</summary>
    public bool TakeSdkTurn()
    {
        var now = _clock.GetTimestamp();
        var next = Interlocked.Read(ref _nextSdkTurn);
        return now >= next && Interlocked.CompareExchange(ref _nextSdkTurn, now + _sdkTurnEvery, next) == next;
    }

    /// <summary>A call in flight, cancelled by the client's <c>notifications/cancelled</c>, by the end of the session or by <paramref name="aborted"/>.</summary>
    public CancellationTokenSource Begin(RequestId id, CancellationToken aborted)
    {
        var call = CancellationTokenSource.CreateLinkedTokenSource(aborted, _ended.Token);
        _calls[id] = call;
        return call;
    }

    public void Finish(RequestId id, CancellationTokenSource call)
    {
        _calls.TryRemove(new KeyValuePair<RequestId, CancellationTokenSource>(id, call));
        call.Dispose();
    }

    /// <summary>The client's <c>notifications/cancelled</c>: the call it names is cancelled when it is one of these (the SDK cancels its own).</summary>
    public void Cancelled(JsonNode? parameters)
    {
        if (_calls.IsEmpty || parameters is not JsonObject { } p || p["requestId"] is not { } idNode)
        {
            return;
        }

        try
        {
            if (_calls.TryGetValue(JsonSerializer.Deserialize(idNode, McpJson<RequestId>.Info), out var call))
            {
                call.Cancel();
            }
        }
        catch (Exception e) when (e is JsonException or ObjectDisposedException)
        {
            // Not an id, or a call that finished meanwhile: nothing to cancel.
        }
    }

    public void End() => _ended.Cancel();

    private static (string Type, string Value, string Issuer)? UserOf(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var claim = user.FindFirst(ClaimTypes.NameIdentifier) ?? user.FindFirst("sub") ?? user.FindFirst(ClaimTypes.Upn);
        return claim is null ? null : (claim.Type, claim.Value, claim.Issuer);
    }
}
