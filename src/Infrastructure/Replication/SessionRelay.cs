using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Diagnostics;
using OneMcp.Application.Replication;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// The hop between replicas (ADR 0031). A request for a legacy session (streamable HTTP with <c>Mcp-Session-Id</c>
/// on <c>/mcp</c> or <c>/mcp/&lt;server&gt;</c>, legacy <c>/messages?sessionId=</c>) that another live replica holds
/// is sent there, method, path, query, headers and streamed body alike, and the owner's answer streamed back chunk by
/// chunk. The hop carries <see cref="RelayKey"/>; the owner serves it only with the right key, believes the client
/// address it carries, and never relays it again. An owner gone or refusing the connection leaves the request to the
/// SDK here, which answers it as an unknown session (404: the client starts a new one).
/// </summary>
public sealed partial class SessionRelay(SessionDirectory directory, RelayKey key, IHttpClientFactory clients, GatewayTelemetry telemetry, ILogger<SessionRelay> logger)
{
    public const string HttpClientName = "onemcp-relay";

    private const string HopItem = "onemcp.relay.hop";
    private const int ChunkBytes = 16 * 1024;

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
    /// replica's host checks let the request through at all (a refused one is left to them).
    /// </summary>
    public async Task<SessionRelayResult> HandleAsync(HttpContext context, Func<HttpContext, bool> mayServe)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mayServe);
        var request = context.Request;
        if (request.Headers.TryGetValue(RelayKey.Header, out var presented))
        {
            return AcceptHop(context, presented.Count == 1 ? presented[0] : null);
        }

        request.Headers.Remove(RelayKey.ClientHeader);
        if (SessionIdOf(request, out var legacy) is not { } sessionId || !mayServe(context))
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
                return await RelayAsync(context, sessionId, owner!);
            default:
                return SessionRelayResult.Continue;
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

    private async Task<SessionRelayResult> RelayAsync(HttpContext context, string sessionId, SessionOwner owner)
    {
        var request = context.Request;
        var target = new Uri(owner.Url!, request.Path.Value + request.QueryString.Value);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
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

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // Nothing was sent: the owner is not there (crashed, or stopped before its heartbeat went stale).
            telemetry.SessionRelay("refused");
            LogOwnerRefused(logger, owner.ReplicaId, e);
            await directory.ForgetOwnerAsync(sessionId, owner, context.RequestAborted);
            return SessionRelayResult.Continue;
        }
        catch (HttpRequestException e)
        {
            LogOwnerFailed(logger, owner.ReplicaId, e);
            return SessionRelayResult.OwnerFailed;
        }

        using (response)
        {
            telemetry.SessionRelay("relayed");
            await CopyResponseAsync(context, response);
        }

        return SessionRelayResult.Relayed;
    }

    private async Task CopyResponseAsync(HttpContext context, HttpResponseMessage response)
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
            while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                await answer.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await answer.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (IOException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The owner's stream broke off (it stopped or crashed): end this one too, the client reconnects.
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {ReplicaId} holding a session refused the connection: taken for gone, the client starts a new session")]
    private static partial void LogOwnerRefused(ILogger logger, string replicaId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "A relayed answer broke off at the replica holding the session")]
    private static partial void LogStreamBroke(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying a request to replica {ReplicaId} failed")]
    private static partial void LogOwnerFailed(ILogger logger, string replicaId, Exception exception);
}
