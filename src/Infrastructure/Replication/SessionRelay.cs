using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Diagnostics;
using OneMcp.Application.Gateway.InputRequests;
using OneMcp.Application.Replication;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// The hop between replicas (ADR 0031). A request for a legacy session (streamable HTTP with <c>Mcp-Session-Id</c>
/// on <c>/mcp</c> or <c>/mcp/&lt;server&gt;</c>, legacy <c>/messages?sessionId=</c>) that another live replica holds
/// is sent there, method, path, query, headers and streamed body alike, and the owner's answer streamed back chunk by
/// chunk. The hop carries <see cref="RelayKey"/>; the owner serves it only with the right key, believes the client
/// address it carries, and never relays it again. An owner gone or refusing the connection leaves the request to the
/// SDK here, which answers it as an unknown session (404: the client starts a new one); so does an owner whose host no
/// longer answers the connection at all (after the relay client's connect timeout).
/// A 2026-07-28 retry of a multi-round-trip request (tools/call, prompts/get, resources/read with a
/// <c>requestState</c>) goes the same way to the replica its state names as holding the waiting call; with that
/// replica gone it is served here, and the bridge answers that the state is no longer valid (the client starts over).
/// </summary>
public sealed partial class SessionRelay(SessionDirectory directory, RelayKey key, IHttpClientFactory clients, GatewayTelemetry telemetry, ILogger<SessionRelay> logger)
{
    public const string HttpClientName = "onemcp-relay";

    private const string HopItem = "onemcp.relay.hop";
    private const int ChunkBytes = 16 * 1024;

    /// <summary>The largest retry body read for its <c>requestState</c>; a larger one is served here.</summary>
    internal const int MaxRetryBytes = 256 * 1024;

    /// <summary>What reading a retry body allocates before its first bytes; the buffer doubles as they come.</summary>
    internal const int FirstRetryBufferBytes = 4 * 1024;

    private static readonly string[] RetriedMethods = ["tools/call", "prompts/get", "resources/read"];

    // The SSE transport announces its message URL before the session is recorded: a first message may overtake it.
    private static readonly TimeSpan[] LegacyLookupRetries = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(300)];

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection",
        RelayKey.Header, RelayKey.ClientHeader,
    };

    /// <summary>The status and message a result is answered with, or null when the request is relayed or served on.</summary>
    public static (int Status, string Message)? Refusal(SessionRelayResult result) => result switch
    {
        SessionRelayResult.ForbiddenHop => (StatusCodes.Status403Forbidden, "This request claims to come from another replica of this gateway, and its relay key is wrong."),
        SessionRelayResult.OwnerFailed => (StatusCodes.Status502BadGateway, "The replica holding this session failed to answer; try again."),
        _ => null,
    };

    /// <summary>True for a request that came over an authenticated hop.</summary>
    public static bool CameOverHop(HttpContext context) => context?.Items.ContainsKey(HopItem) == true;

    /// <summary>
    /// Checks a hop, or relays a request for another replica's session. <paramref name="mayServe"/> says whether this
    /// replica's host checks let the request through at all (a refused one is left to them). <paramref name="mayLookUp"/>,
    /// asked only once the request needs the database (a session not held here, a retry naming another replica), says
    /// whether its caller may make it look (with <c>--enable-auth</c>: a bearer token the gateway accepts); a caller it
    /// refuses is left to the checks after this one, which answer it as they answer a direct request. Null: anyone may.
    /// </summary>
    public async Task<SessionRelayResult> HandleAsync(HttpContext context, Func<HttpContext, bool> mayServe, Func<HttpContext, Task<bool>>? mayLookUp)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mayServe);
        var request = context.Request;
        if (request.Headers.TryGetValue(RelayKey.Header, out var presented))
        {
            return AcceptHop(context, presented.Count == 1 ? presented[0] : null);
        }

        request.Headers.Remove(RelayKey.ClientHeader);
        var sessionId = SessionIdOf(request, out var legacy);
        if (sessionId is null && !legacy && MayBeRetry(request) && mayServe(context))
        {
            return await RouteRetryAsync(context, mayLookUp);
        }

        // This replica's own session (nearly every request) asks nothing more: no lookup, no token check here.
        if (sessionId is null || directory.IsLocal(sessionId) || !mayServe(context)
            || (mayLookUp is not null && !await mayLookUp(context)))
        {
            return SessionRelayResult.Continue;
        }

        var (route, owner) = await directory.RouteAsync(sessionId, cameOverHop: false, context.RequestAborted);
        for (var i = 0; legacy && route == SessionRoute.Unknown && i < LegacyLookupRetries.Length; i++)
        {
            await Task.Delay(LegacyLookupRetries[i], context.RequestAborted);
            (route, owner) = await directory.RouteAsync(sessionId, cameOverHop: false, context.RequestAborted);
        }

        switch (route)
        {
            case SessionRoute.OwnerGone:
                telemetry.SessionRelay("owner_gone");
                await directory.ForgetOwnerAsync(sessionId, owner!, context.RequestAborted);
                return SessionRelayResult.Continue;
            case SessionRoute.Relay:
                return await RelayAsync(context, owner!, sessionId, body: null);
            default:
                return SessionRelayResult.Continue;
        }
    }

    /// <summary>
    /// True for a request that may be a 2026-07-28 multi-round-trip retry: a POST to <c>/mcp</c> without a session
    /// whose <c>Mcp-Method</c> is one the bridge continues, with a body small enough to look into.
    /// </summary>
    internal static bool MayBeRetry(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && request.Path.StartsWithSegments("/mcp")
        && request.ContentLength is null or (> 0 and <= MaxRetryBytes)
        && request.Headers["Mcp-Method"].ToString() is { Length: > 0 } method
        && RetriedMethods.Contains(method, StringComparer.Ordinal);

    private async Task<SessionRelayResult> RouteRetryAsync(HttpContext context, Func<HttpContext, Task<bool>>? mayLookUp)
    {
        if (await ReadRetryAsync(context.Request, context.RequestAborted) is not { } retry
            || directory.IsThisReplica(retry.ReplicaId)
            || (mayLookUp is not null && !await mayLookUp(context)))
        {
            return SessionRelayResult.Continue;
        }

        var (route, replica) = await directory.RouteToReplicaAsync(retry.ReplicaId, context.RequestAborted);
        switch (route)
        {
            case SessionRoute.Relay:
                using (var body = new ReadOnlyMemoryContent(retry.Body))
                {
                    return await RelayAsync(context, replica!, sessionId: null, body);
                }

            case SessionRoute.OwnerGone:
                telemetry.SessionRelay("owner_gone");
                return SessionRelayResult.Continue;
            default:
                return SessionRelayResult.Continue;
        }
    }

    /// <summary>
    /// The replica named by the body's <c>params.requestState</c> and the body itself, or null when there is none.
    /// The body is parsed only when its bytes contain <c>"requestState"</c>. It is read into a buffer that starts at
    /// <see cref="FirstRetryBufferBytes"/> and doubles as bytes arrive (a caller announcing or streaming 256 KiB costs
    /// nothing it has not sent). A body of known size is read once and handed on as those bytes (a readable
    /// <see cref="MemoryStream"/>: the gateway's own 2026-07-28 path takes them without another copy); one of unknown
    /// size is buffered and rewound.
    /// </summary>
    private async Task<(string ReplicaId, ReadOnlyMemory<byte> Body)?> ReadRetryAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is not { } size)
        {
            request.EnableBuffering();
            var (unsized, read) = await ReadGrowingAsync(request.Body, MaxRetryBytes + 1, cancellationToken);
            request.Body.Position = 0;
            return read <= MaxRetryBytes ? RetryOf(unsized.AsMemory(0, read)) : null;
        }

        // MayBeRetry let through only sizes up to MaxRetryBytes.
        var (body, length) = await ReadGrowingAsync(request.Body, (int)size, cancellationToken);
        request.Body = new MemoryStream(body, 0, length, writable: false, publiclyVisible: true);
        return RetryOf(body.AsMemory(0, length));
    }

    /// <summary>
    /// Reads until <paramref name="limit"/> bytes or the end of the body, into a buffer grown as they arrive: at most
    /// <see cref="FirstRetryBufferBytes"/> before the first byte, then doubled (never past the limit) each time it is
    /// full. A body that ends exactly at a limit it announced fills its buffer exactly.
    /// </summary>
    internal static async Task<(byte[] Buffer, int Length)> ReadGrowingAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(FirstRetryBufferBytes, limit)];
        var length = 0;
        while (true)
        {
            length += await ReadUpToAsync(body, buffer.AsMemory(length), cancellationToken);
            if (length < buffer.Length || buffer.Length == limit)
            {
                return (buffer, length);
            }

            Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit));
        }
    }

    private (string ReplicaId, ReadOnlyMemory<byte> Body)? RetryOf(ReadOnlyMemory<byte> body) =>
        body.Span.IndexOf("\"requestState\""u8) >= 0 && RequestStateReplicaOf(body) is { } replicaId ? (replicaId, body) : null;

    // Reads until the buffer is full or the body ends.
    private static async Task<int> ReadUpToAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer[length..], cancellationToken)) > 0)
        {
            length += read;
        }

        return length;
    }

    private string? RequestStateReplicaOf(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var message = JsonDocument.Parse(body);
            return message.RootElement.ValueKind == JsonValueKind.Object
                && message.RootElement.TryGetProperty("params", out var parameters)
                && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("requestState", out var state)
                && state.ValueKind == JsonValueKind.String
                    ? RequestStateTicket.ReplicaIdOf(state.GetString())
                    : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a requestState that is no text (an escaped half of a surrogate pair): served here, where the
            // SDK answers the error.
            LogUnreadableRetry(logger, e);
            return null;
        }
    }

    private SessionRelayResult AcceptHop(HttpContext context, string? presented)
    {
        if (!key.Matches(presented))
        {
            LogForbiddenHop(logger, context.Connection.RemoteIpAddress, context.Request.Method, context.Request.Path);
            return SessionRelayResult.ForbiddenHop;
        }

        if (IPAddress.TryParse(context.Request.Headers[RelayKey.ClientHeader].ToString(), out var client))
        {
            // Only replicas hold the key: host checks and rate limits judge the client, not the relaying replica.
            context.Connection.RemoteIpAddress = client;
        }

        context.Request.Headers.Remove(RelayKey.Header);
        context.Request.Headers.Remove(RelayKey.ClientHeader);
        context.Items[HopItem] = true;
        return SessionRelayResult.Continue;
    }

    /// <summary>
    /// Sends the request to <paramref name="owner"/>'s address and streams its answer back. <paramref name="body"/>
    /// is the request's body already read (a retry), or null to stream it; the owner of <paramref name="sessionId"/>
    /// (when given) is forgotten if it refuses the connection or does not answer it within the connect timeout.
    /// </summary>
    private async Task<SessionRelayResult> RelayAsync(HttpContext context, SessionOwner owner, string? sessionId, HttpContent? body)
    {
        var request = context.Request;
        var target = new Uri(owner.Url!, request.Path.Value + request.QueryString.Value);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (body is not null)
        {
            message.Content = body;
        }
        else if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            message.Content = new StreamContent(request.Body, ChunkBytes);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (NotForwarded.Contains(name) || name.StartsWith(':'))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        message.Headers.Host = request.Host.Value;
        message.Headers.TryAddWithoutValidation(RelayKey.Header, key.Value);
        if (context.Connection.RemoteIpAddress is { } client)
        {
            message.Headers.TryAddWithoutValidation(RelayKey.ClientHeader, client.ToString());
        }

        // The client going away ends the hop; so does the owner being taken for gone while it is silent (a dead host
        // whose connections were never closed), which nothing else would notice.
        var ownerGone = directory.GoneToken(owner);
        using var hop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, ownerGone);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, hop.Token);
        }
        catch (OperationCanceledException) when (ownerGone.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // Sent, and never answered: the session is gone with its replica, which the client's next request learns (404).
            LogOwnerWentSilent(logger, owner.ReplicaId);
            return SessionRelayResult.OwnerFailed;
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // Nothing was sent: the owner is not there (crashed, or stopped before its heartbeat went stale).
            LogOwnerRefused(logger, owner.ReplicaId, e);
            return await OwnerGoneAsync(context, owner, sessionId);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException && !context.RequestAborted.IsCancellationRequested)
        {
            // The owner's host is gone without a reset (a dead machine, a firewall dropping packets): the client
            // has no overall timeout, so only the connect timeout ends the wait this way, and nothing was sent.
            LogOwnerUnreachable(logger, owner.ReplicaId, e);
            return await OwnerGoneAsync(context, owner, sessionId);
        }
        catch (HttpRequestException e)
        {
            LogOwnerFailed(logger, owner.ReplicaId, e);
            return SessionRelayResult.OwnerFailed;
        }

        using (response)
        {
            telemetry.SessionRelay("relayed");
            await CopyResponseAsync(context, response, hop.Token);
        }

        return SessionRelayResult.Relayed;
    }

    /// <summary>The owner took no part in the request: forgotten, and the request left to be served here (404 for its session).</summary>
    private async Task<SessionRelayResult> OwnerGoneAsync(HttpContext context, SessionOwner owner, string? sessionId)
    {
        telemetry.SessionRelay("refused");
        if (sessionId is not null)
        {
            await directory.ForgetOwnerAsync(sessionId, owner, context.RequestAborted);
        }

        return SessionRelayResult.Continue;
    }

    /// <summary>Streams the owner's answer back, reading it until <paramref name="hopAborted"/> (the client gone, or the owner taken for gone).</summary>
    private async Task CopyResponseAsync(HttpContext context, HttpResponseMessage response, CancellationToken hopAborted)
    {
        var answer = context.Response;
        answer.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!NotForwarded.Contains(name))
            {
                answer.Headers[name] = values.ToArray();
            }
        }

        // An SSE answer (progress, a server-to-client request, list_changed on the GET stream) reaches the client as it comes.
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await answer.StartAsync(context.RequestAborted);
        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[ChunkBytes];
        int read;
        try
        {
            while ((read = await body.ReadAsync(buffer, hopAborted)) > 0)
            {
                await answer.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await answer.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            // The owner's stream broke off (it stopped or crashed) or the owner went silent and was taken for gone: end
            // this one too, the client reconnects.
            LogStreamBroke(logger, e);
            context.Abort();
        }
    }

    /// <summary>
    /// The session id the request is routed by, read exactly as the SDK (and the token check) reads it: legacy SSE
    /// messages by the <c>sessionId</c> query parameter, streamable HTTP by the <c>Mcp-Session-Id</c> header.
    /// </summary>
    internal static string? SessionIdOf(HttpRequest request, out bool legacy)
    {
        var path = request.Path;
        legacy = path.StartsWithSegments("/messages") || path.StartsWithSegments("/mcp/message");
        if (legacy)
        {
            return HttpMethods.IsPost(request.Method) && request.Query["sessionId"].ToString() is { Length: > 0 } id ? id : null;
        }

        if (!path.StartsWithSegments("/mcp") || path.StartsWithSegments("/mcp/sse"))
        {
            return null;
        }

        return request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } header ? header : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a relay hop with a wrong key from {RemoteAddress}: {Method} {Path}")]
    private static partial void LogForbiddenHop(ILogger logger, IPAddress? remoteAddress, string method, PathString path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A request that may continue a waiting call has a body that is not JSON; served here")]
    private static partial void LogUnreadableRetry(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {ReplicaId} holding a session or a waiting call refused the connection: taken for gone, the client starts over")]
    private static partial void LogOwnerRefused(ILogger logger, string replicaId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {ReplicaId} holding a session or a waiting call did not answer the connection in time: taken for gone, the client starts over")]
    private static partial void LogOwnerUnreachable(ILogger logger, string replicaId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {ReplicaId} holding a session stopped answering a relayed request and was taken for gone; the client is told to try again")]
    private static partial void LogOwnerWentSilent(ILogger logger, string replicaId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A relayed answer broke off at the replica holding the session")]
    private static partial void LogStreamBroke(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying a request to replica {ReplicaId} failed")]
    private static partial void LogOwnerFailed(ILogger logger, string replicaId, Exception exception);
}
