using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Application.Replication;

namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>
/// Multi Round-Trip Requests towards 2026-07-28 clients. A backend that asks its client something during a
/// call (an older backend's <c>elicitation/create</c>, <c>sampling/createMessage</c> or <c>roots/list</c>, or
/// a 2026-07-28 backend's <c>input_required</c>, which the backend client turns into the same questions) gets
/// its answer this way: the client receives <c>input_required</c> with the questions and a sealed
/// <c>requestState</c>, retries with <c>inputResponses</c>, and the backend's call, which kept running, goes on.
/// The state names the waiting call, the caller and a digest of the request, and expires with the wait; the
/// wait is bounded (<see cref="AnswerWindow"/>), so a client that never retries releases the backend's call.
/// The waiting call lives in this process; the state names it (<see cref="RequestStateTicket.ReplicaId"/>) so that
/// a retry sent to another replica is relayed here (ADR 0031).
/// </summary>
public sealed partial class InputRequiredBridge(IRequestStateProtector protector, ReplicaIdentity replica, TimeProvider time, ILogger<InputRequiredBridge> logger)
{
    /// <summary>How long a question waits for the client's retry (an elicitation may wait for a person).</summary>
    public static readonly TimeSpan AnswerWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Calls waiting for their clients' answers at once, across all clients; beyond it a call whose backend asks
    /// something is refused (and its backend call cancelled). Calls that ask nothing are not counted.
    /// </summary>
    public const int MaxWaiting = 1000;

    private readonly ConcurrentDictionary<string, WaitingCall> _waiting = new(StringComparer.Ordinal);

    /// <summary>Calls that wait for a client's answer now.</summary>
    public int WaitingCount => _waiting.Count;

    /// <summary>
    /// The digest that binds a <c>requestState</c> to one request: its method, target and arguments.
    /// </summary>
    public static string Digest(string method, string target, IDictionary<string, JsonElement>? arguments)
    {
        var text = new StringBuilder(method).Append('\n').Append(target).Append('\n');
        if (arguments is not null)
        {
            text.Append(JsonSerializer.Serialize(arguments, McpJsonUtilities.DefaultOptions));
        }

        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// Runs one attempt of <paramref name="request"/>: a first attempt starts <paramref name="call"/>, a retry
    /// (with <c>requestState</c>) continues the call it names. Returns the call's result, or throws
    /// <see cref="InputRequiredException"/> with the backend's questions.
    /// </summary>
    public async ValueTask<TResult> RunAsync<TResult>(
        BridgedRequest request,
        Func<IClientPeer, CancellationToken, ValueTask<TResult>> call,
        CancellationToken cancellationToken)
        where TResult : Result
    {
        var waiting = request.RequestState is null ? Start(request, call) : Resume(request);
        IReadOnlyList<PendingQuestion>? questions;
        try
        {
            questions = await waiting.NextAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client gave up on the request (or cancelled it): nobody can retry it any more.
            End(waiting, cancel: true);
            throw;
        }
        finally
        {
            waiting.Detach();
        }

        if (questions is null)
        {
            End(waiting, cancel: false);
            return (TResult)await waiting.Call;
        }

        if (waiting.Id is null && !TryName(waiting))
        {
            End(waiting, cancel: true);
            throw new McpProtocolException("The gateway has too many requests waiting for their clients' input; try again later.", McpErrorCode.InternalError);
        }

        waiting.WaitForRetry(time, AnswerWindow, () => Expire(waiting));
        var ticket = new RequestStateTicket(waiting.Id!, replica.Id, request.Principal, request.RequestDigest, time.GetUtcNow() + AnswerWindow);
        throw new InputRequiredException(
            questions.ToDictionary(q => q.Key, q => q.Request, StringComparer.Ordinal),
            protector.Protect(ticket));
    }

    // A first attempt: the call is not named (no id, no entry in _waiting) until its backend asks something.
    private static WaitingCall Start<TResult>(BridgedRequest request, Func<IClientPeer, CancellationToken, ValueTask<TResult>> call)
        where TResult : Result
    {
        var waiting = new WaitingCall();
        var peer = new BridgedPeer(waiting, request.Capabilities);
        waiting.TryAttach(request.Stream);
        waiting.Start(async stopping => await call(peer, stopping));
        return waiting;
    }

    /// <summary>Gives a call whose backend asked something the id its <c>requestState</c> names; false when too many wait.</summary>
    private bool TryName(WaitingCall waiting)
    {
        if (_waiting.Count >= MaxWaiting)
        {
            return false;
        }

        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        waiting.Name(id);
        _waiting[id] = waiting;
        return true;
    }

    private WaitingCall Resume(BridgedRequest request)
    {
        var ticket = protector.Unprotect(request.RequestState!)
            ?? throw InvalidState("was not issued by this gateway or was altered");
        if (!string.Equals(ticket.Principal, request.Principal, StringComparison.Ordinal))
        {
            throw InvalidState("was issued to another user or client");
        }

        if (!string.Equals(ticket.RequestDigest, request.RequestDigest, StringComparison.Ordinal))
        {
            throw InvalidState("was issued for a different request");
        }

        if (ticket.ExpiresAt <= time.GetUtcNow() || !_waiting.TryGetValue(ticket.CallId, out var waiting))
        {
            throw InvalidState("is no longer valid: the request it continues was answered, expired or ended; send the request again without it");
        }

        if (!waiting.TryAttach(request.Stream))
        {
            throw InvalidState("is already being used by another retry of the same request");
        }

        try
        {
            waiting.Answer(request.InputResponses);
        }
        catch
        {
            // A malformed answer changes nothing: the call keeps waiting for a correct retry.
            waiting.Detach();
            waiting.WaitForRetry(time, AnswerWindow, () => Expire(waiting));
            throw;
        }

        return waiting;
    }

    private void Expire(WaitingCall waiting)
    {
        if (End(waiting, cancel: true))
        {
            LogExpired(logger, AnswerWindow.TotalMinutes);
        }
    }

    private bool End(WaitingCall waiting, bool cancel)
    {
        if (!waiting.TryEnd())
        {
            return false;
        }

        if (waiting.Id is { } id)
        {
            _waiting.TryRemove(new KeyValuePair<string, WaitingCall>(id, waiting));
        }

        if (cancel)
        {
            waiting.Cancel();
            _ = ObserveAsync(waiting.Call);
        }

        waiting.Dispose();
        return true;
    }

    // A call ended because its client went away still finishes in the background; how is only worth a debug line.
    private async Task ObserveAsync(Task<Result> call)
    {
        try
        {
            await call;
        }
        catch (Exception e)
        {
            LogAbandonedCallEnded(logger, e);
        }
    }

    private static McpProtocolException InvalidState(string why) =>
        new($"requestState {why}.", McpErrorCode.InvalidParams);

    [LoggerMessage(Level = LogLevel.Information, Message = "A request waited {Minutes} minutes for its client to answer the backend's questions and was cancelled")]
    private static partial void LogExpired(ILogger logger, double minutes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A call whose client stopped waiting ended with an error")]
    private static partial void LogAbandonedCallEnded(ILogger logger, Exception exception);
}
