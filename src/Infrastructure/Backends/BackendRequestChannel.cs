using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Sends the gateway's requests to one backend over its current client: each within the backend's request
/// timeout, and once more on the fresh session when an HTTP backend restarted and forgot ours (it answered 404,
/// so nothing ran). Transport failures and timeouts become MCP errors that name the backend.
/// </summary>
internal sealed partial class BackendRequestChannel(
    BackendConnection backend,
    BackendSupervisor supervisor,
    BackendStateMachine state,
    BackendProgressRoutes progressRoutes,
    ILogger logger)
{
    private BackendSettings Settings => backend.Settings;

    private ServerName Name => backend.Name;

    public ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken) =>
        progress is null
            ? SendAsync(
                "tools/call", request.Name, request, McpJson<CallToolRequestParams>.Info, McpJson<CallToolResult>.Info,
                static (c, r, ct) => c.CallToolAsync(Stashed(r), ct), cancellationToken)
            : CallToolWithProgressAsync(request, progress, cancellationToken);

    private async ValueTask<CallToolResult> CallToolWithProgressAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue> progress, CancellationToken cancellationToken)
    {
        var meta = request.Meta is null ? [] : (JsonObject)request.Meta.DeepClone();
        var token = progressRoutes.Add(progress);
        meta["progressToken"] = token;
        try
        {
            var forwarded = new CallToolRequestParams { Name = request.Name, Arguments = request.Arguments, Meta = meta };
            return await SendAsync(
                "tools/call", forwarded.Name, forwarded, McpJson<CallToolRequestParams>.Info, McpJson<CallToolResult>.Info,
                static (c, r, ct) => c.CallToolAsync(Stashed(r), ct), cancellationToken);
        }
        finally
        {
            progressRoutes.Remove(token);
        }
    }

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) =>
        SendAsync(
            "resources/read", request.Uri, request, McpJson<ReadResourceRequestParams>.Info, McpJson<ReadResourceResult>.Info,
            static (c, r, ct) => c.ReadResourceAsync(Stashed(r), ct), cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) =>
        SendAsync(
            "prompts/get", request.Name, request, McpJson<GetPromptRequestParams>.Info, McpJson<GetPromptResult>.Info,
            static (c, r, ct) => c.GetPromptAsync(Stashed(r), ct), cancellationToken);

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken)
    {
        request.Meta = WithLogLevelStashed(request.Meta);
        return SendAsync("completion/complete", name: null, request, static (c, r, ct) => c.CompleteAsync(r, ct), cancellationToken);
    }

    // A 2026-07-28 backend has no resources/subscribe: the resource joins (or leaves) the set its listen asks for.
    public async ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken)
    {
        if (supervisor.Listen is { } listen)
        {
            await SendAsync("subscriptions/listen", uri, uri, async (_, u, ct) =>
            {
                await listen.SubscribeAsync(u, ct);
                return true;
            }, cancellationToken);
            return;
        }

        await SendAsync("resources/subscribe", uri, uri, static async (c, u, ct) =>
        {
            await c.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = u }, ct);
            return true;
        }, cancellationToken);
    }

    public async ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken)
    {
        if (supervisor.Listen is { } listen)
        {
            await SendAsync("subscriptions/listen", uri, uri, async (_, u, ct) =>
            {
                await listen.UnsubscribeAsync(u, ct);
                return true;
            }, cancellationToken);
            return;
        }

        await SendAsync("resources/unsubscribe", uri, uri, static async (c, u, ct) =>
        {
            await c.UnsubscribeFromResourceAsync(new UnsubscribeRequestParams { Uri = u }, ct);
            return true;
        }, cancellationToken);
    }

    // The caller's log level (a 2026-07-28 caller's _meta) is kept where the SDK client leaves it alone, for the
    // backend's transport to put back into a 2026-07-28 request (LogLevelForwardingSessionTransport). A copy: the
    // caller's own _meta is not changed.
    private static JsonObject? WithLogLevelStashed(JsonObject? meta)
    {
        if (meta?[MetaKeys.LogLevel] is not { } level)
        {
            return meta;
        }

        var copy = (JsonObject)meta.DeepClone();
        copy[LogLevelForwardingSessionTransport.StashKey] = level.DeepClone();
        return copy;
    }

    // The SDK client's copy of a request: the caller's log level stashed for a 2026-07-28 backend (a direct call never
    // goes to one, and never carries the stash).
    private static T Stashed<T>(T request)
        where T : RequestParams
    {
        request.Meta = WithLogLevelStashed(request.Meta);
        return request;
    }

    /// <summary>A request sent directly (ADR 0039, ADR 0044) when this connection's client has a direct way to the backend (<see cref="IDirectCalls.Serves"/>), else by the SDK client.</summary>
    private ValueTask<T> SendAsync<TRequest, T>(
        string method, string name, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<T> resultType,
        Func<McpClient, TRequest, CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken)
        where TRequest : RequestParams
        where T : Result =>
        SendAsync(method, name, request, send, (RequestType: requestType, ResultType: resultType),
            static (direct, route, method, name, request, ct) => direct.SendAsync(method, name!, request, route.RequestType, route.ResultType, ct),
            cancellationToken);

    /// <summary>A request only the SDK client sends; <paramref name="name"/> is what it names, for its errors.</summary>
    private ValueTask<T> SendAsync<TRequest, T>(
        string method, string? name, TRequest request, Func<McpClient, TRequest, CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken) =>
        SendAsync<TRequest, T, object?>(method, name, request, send, route: null, direct: null, cancellationToken);

    // The request, and what the direct path needs, travel as state to static delegates: no closure per call.
    private async ValueTask<T> SendAsync<TRequest, T, TRoute>(
        string method, string? name, TRequest request, Func<McpClient, TRequest, CancellationToken, ValueTask<T>> send,
        TRoute route, Func<IDirectCalls, TRoute, string, string?, TRequest, CancellationToken, ValueTask<DirectAnswer<T>>>? direct,
        CancellationToken cancellationToken)
    {
        var settings = Settings;
        var started = Stopwatch.GetTimestamp();
        var connection = CurrentConnection();
        var client = connection.Client;

        // The request ends with its caller, its timeout, or its connection: one that is closed or replaced (its settings
        // edited, the backend disabled, removed or reconnected) ends it at once, whichever way it was sent (ADR 0059).
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Closed);
        call.CancelAfter(settings.RequestTimeout);

        // Set once the backend refused this very request for an unknown session (404): it forgot ours, so nothing sent
        // with it can run there.
        var forgotten = false;
        CancellationTokenSource? resent = null;
        try
        {
            try
            {
                // A direct call without a result: refused by a backend that forgot the session (nothing ran), or
                // asked for input; the SDK client then sends it, and on a 404 ends the session as below.
                if (direct is not null && connection.Direct is { } directCalls && directCalls.Serves(client))
                {
                    var answer = await direct(directCalls, route, method, name, request, call.Token);
                    if (answer.Result is { } result)
                    {
                        return result;
                    }

                    forgotten = answer.SessionForgotten;
                }

                return await send(client, request, call.Token);
            }
            catch (Exception e) when (settings.Transport != BackendTransport.Stdio && !cancellationToken.IsCancellationRequested && !TimedOut(call, connection)
                && ((e is HttpRequestException { StatusCode: HttpStatusCode.NotFound } && client.SessionId is not null)
                    || (forgotten && e is OperationCanceledException or ObjectDisposedException or ClientTransportClosedException)))
            {
                // The backend restarted and forgot our session; it refused the request, so nothing ran and it is safe
                // to send it once more on the fresh session the supervisor is opening, within what is left of the
                // timeout. After a refusal, the SDK client closed under its own send (or the connection closed under
                // the request) counts as one too: the session it sends with is unknown there, and the first refusal of
                // many calls at once ends it (and closes the client) under the others. Only a POST's 404 reaches here
                // (a direct call whose resumed stream is refused fails, below), and only in a session: a backend
                // without sessions that answers 404 forgot nothing, and no fresh client would come.
                resent = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                resent.CancelAfter(TimeSpan.FromTicks(Math.Max(0, (settings.RequestTimeout - Stopwatch.GetElapsedTime(started)).Ticks)));
                var fresh = await WaitForFreshClientAsync(client, resent.Token);
                return await send(fresh, request, resent.Token);
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && resent is null && connection.Why is { } why && call.IsCancellationRequested)
        {
            // The connection was closed under the request: whether it ran is unknown, so it is not sent again.
            throw new McpProtocolException($"Server '{Name}' {why} while {Described(method, name)} was running; it was not sent again.", e, McpErrorCode.InternalError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && (resent ?? call).IsCancellationRequested)
        {
            LogRequestTimedOut(logger, Name.Value, method, settings.RequestTimeout.TotalSeconds);
            throw new McpProtocolException(
                $"Server '{Name}' did not answer {method} within {settings.RequestTimeout.TotalSeconds:0.###} s.",
                McpErrorCode.InternalError);
        }
        catch (Exception e) when (BackendFailures.AnswerLost(e) is { } how)
        {
            // The backend accepted the request but its answer is lost: it may have run, so it is not sent again. The
            // same words whether the request went directly or through the SDK client.
            throw new McpProtocolException($"Server '{Name}' lost the answer to {method}: {how}", e, McpErrorCode.InternalError);
        }
        catch (Exception e) when (BackendFailures.IsAuthorizationRequired(e))
        {
            // The backend's OAuth tokens could not be renewed for this request: the same answer as for a call that
            // arrives once the backend awaits OAuth (the reason is in its status, for the operator).
            throw new McpProtocolException(
                $"Server '{Name}' is not connected ({BackendFailures.Describe(BackendStatus.AwaitingOAuth)}).", e, McpErrorCode.InternalError);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or ObjectDisposedException or ClientTransportClosedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A cancellation neither the caller nor the timeout asked for: the client was closed under the request (its
            // session ended, or the backend went away). Whether it ran is unknown, so it is not sent again.
            throw new McpProtocolException($"Server '{Name}' disconnected while handling {method}.", e, McpErrorCode.InternalError);
        }
        finally
        {
            resent?.Dispose();
        }
    }

    // The request's own timeout, not its connection's close, cancelled it.
    private static bool TimedOut(CancellationTokenSource call, ConnectedClient connection) =>
        call.IsCancellationRequested && connection.Why is null;

    private static string Described(string method, string? name) => name is null ? method : $"{method} '{name}'";

    private ConnectedClient CurrentConnection()
    {
        var current = supervisor.Current;
        var status = state.Status;
        return current is not null && status == BackendStatus.Connected
            ? current
            : throw new McpProtocolException($"Server '{Name}' is not connected ({BackendFailures.Describe(status)}).", McpErrorCode.InternalError);
    }

    /// <summary>
    /// Waits, woken by each state transition, for a client other than <paramref name="stale"/>; gives up (with the
    /// not-connected error) once reconnecting has failed or the backend stopped.
    /// </summary>
    private async Task<McpClient> WaitForFreshClientAsync(McpClient stale, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before looking: a transition after the look completes it, so none is missed.
            var changed = state.Changed;
            if (supervisor.Client is { } client && !ReferenceEquals(client, stale) && state.Status == BackendStatus.Connected)
            {
                return client;
            }

            if (state.Status is BackendStatus.Error or BackendStatus.AwaitingOAuth or BackendStatus.Disconnected)
            {
                return CurrentConnection().Client;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: {Method} timed out after {Seconds} s")]
    private static partial void LogRequestTimedOut(ILogger logger, string server, string method, double seconds);
}
