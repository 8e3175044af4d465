using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

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

    public async ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken)
    {
        request.Meta = WithLogLevelStashed(request.Meta);
        if (progress is null)
        {
            return await SendAsync("tools/call", request, static (c, r, ct) => c.CallToolAsync(r, ct), cancellationToken);
        }

        var meta = request.Meta is null ? [] : (JsonObject)request.Meta.DeepClone();
        var token = progressRoutes.Add(progress);
        meta["progressToken"] = token;
        try
        {
            var forwarded = new CallToolRequestParams { Name = request.Name, Arguments = request.Arguments, Meta = meta };
            return await SendAsync("tools/call", forwarded, static (c, r, ct) => c.CallToolAsync(r, ct), cancellationToken);
        }
        finally
        {
            progressRoutes.Remove(token);
        }
    }

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken)
    {
        request.Meta = WithLogLevelStashed(request.Meta);
        return SendAsync("resources/read", request, static (c, r, ct) => c.ReadResourceAsync(r, ct), cancellationToken);
    }

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken)
    {
        request.Meta = WithLogLevelStashed(request.Meta);
        return SendAsync("prompts/get", request, static (c, r, ct) => c.GetPromptAsync(r, ct), cancellationToken);
    }

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken)
    {
        request.Meta = WithLogLevelStashed(request.Meta);
        return SendAsync("completion/complete", request, static (c, r, ct) => c.CompleteAsync(r, ct), cancellationToken);
    }

    // A 2026-07-28 backend has no resources/subscribe: the resource joins (or leaves) the set its listen asks for.
    public async ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken)
    {
        if (supervisor.Listen is { } listen)
        {
            await SendAsync("subscriptions/listen", uri, async (_, u, ct) =>
            {
                await listen.SubscribeAsync(u, ct);
                return true;
            }, cancellationToken);
            return;
        }

        await SendAsync("resources/subscribe", uri, static async (c, u, ct) =>
        {
            await c.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = u }, ct);
            return true;
        }, cancellationToken);
    }

    public async ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken)
    {
        if (supervisor.Listen is { } listen)
        {
            await SendAsync("subscriptions/listen", uri, async (_, u, ct) =>
            {
                await listen.UnsubscribeAsync(u, ct);
                return true;
            }, cancellationToken);
            return;
        }

        await SendAsync("resources/unsubscribe", uri, static async (c, u, ct) =>
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

    // The request travels as state to a static delegate: no closure or delegate is allocated per call.
    private async ValueTask<T> SendAsync<TRequest, T>(string method, TRequest request, Func<McpClient, TRequest, CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken)
    {
        var settings = Settings;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        var client = CurrentClient();
        try
        {
            try
            {
                return await send(client, request, timeout.Token);
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.NotFound && settings.Transport != BackendTransport.Stdio)
            {
                // The backend restarted and forgot our session; it refused the request, so nothing ran and
                // it is safe to send it once more on the fresh session the supervisor is opening.
                var fresh = await WaitForFreshClientAsync(client, timeout.Token);
                return await send(fresh, request, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            LogRequestTimedOut(logger, Name.Value, method, settings.RequestTimeout.TotalSeconds);
            throw new McpProtocolException(
                $"Server '{Name}' did not answer {method} within {settings.RequestTimeout.TotalSeconds:0.###} s.",
                McpErrorCode.InternalError);
        }
        catch (Exception e) when (BackendFailures.IsAuthorizationRequired(e))
        {
            // The backend's OAuth tokens could not be renewed for this request: the same answer as for a call that
            // arrives once the backend awaits OAuth (the reason is in its status, for the operator).
            throw new McpProtocolException(
                $"Server '{Name}' is not connected ({BackendFailures.Describe(BackendStatus.AwaitingOAuth)}).", e, McpErrorCode.InternalError);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or ObjectDisposedException or ClientTransportClosedException)
        {
            throw new McpProtocolException($"Server '{Name}' disconnected while handling {method}.", e, McpErrorCode.InternalError);
        }
    }

    private McpClient CurrentClient()
    {
        var client = supervisor.Client;
        var status = state.Status;
        return client is not null && status == BackendStatus.Connected
            ? client
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
                return CurrentClient();
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: {Method} timed out after {Seconds} s")]
    private static partial void LogRequestTimedOut(ILogger logger, string server, string method, double seconds);
}
