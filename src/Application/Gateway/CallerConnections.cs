using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway;

/// <summary>
/// Which connection a forwarded request uses (ADR 0033): the backend's own, or for a per-user backend the caller's,
/// and how a caller who has none is told so: a tool result, a URL-mode elicitation for a 2026-07-28 client that can
/// open one, or a JSON-RPC error where there is no result to carry it.
/// </summary>
internal sealed class CallerConnections(IPerUserBackends? perUser, MyConnectionsLink? myConnections)
{
    /// <summary>
    /// The connection a request goes to: the backend's own, or for a per-user backend the caller's own (ADR 0033),
    /// started on their first call. Without authentication the caller is the one local user.
    /// </summary>
    /// <exception cref="UserConnectionRequiredException">The caller has not connected the backend.</exception>
    /// <exception cref="TooManyInstancesException">The backend runs for as many users as it may.</exception>
    public async ValueTask<IBackendConnection> ForAsync(GatewaySession session, IBackendConnection backend, CancellationToken cancellationToken) =>
        backend.Settings.IsPerUser && perUser is not null
            ? await perUser.ForOwnerAsync(backend, ConnectionOwner.Of(session.Actor), cancellationToken)
            : backend;

    /// <summary>
    /// Whose resources, prompts and server instructions a session is shown of <paramref name="backend"/>: the backend's
    /// own, or for a per-user backend the caller's running connection's, null when the caller has none running. These are
    /// data of the account that listed them (file names, repositories, saved prompts, a workspace named in the
    /// instructions): one user's are never shown to another, as the
    /// shared catalogue of a per-user backend (its first user's, ADR 0033) would.
    /// </summary>
    public IBackendConnection? AccountListsOf(GatewaySession session, IBackendConnection backend) =>
        backend.Settings.IsPerUser && perUser is not null
            ? perUser.Running(backend, ConnectionOwner.Of(session.Actor))
            : backend;

    /// <summary>
    /// <see cref="ForAsync"/> for a tool call. A 2026-07-28 client that can open a URL for its user is first
    /// sent to "My connections" (a URL-mode elicitation, answered by retrying the call: MRTR); once it comes back
    /// accepting, the connection is looked up again, so a user who connected meanwhile gets the call's answer.
    /// </summary>
    public async ValueTask<IBackendConnection> ForCallerAsync(GatewaySession session, IClientPeer caller, IBackendConnection backend, CancellationToken cancellationToken)
    {
        try
        {
            return await ForAsync(session, backend, cancellationToken);
        }
        catch (UserConnectionRequiredException missing) when (caller.SupportsUrlElicitation && myConnections is not null)
        {
            var answer = await caller.ElicitAsync(
                new ElicitRequestParams
                {
                    Mode = "url",
                    Message = myConnections.Explain(missing),
                    Url = myConnections.Url.AbsoluteUri,
                    ElicitationId = Guid.NewGuid().ToString("N"),
                },
                cancellationToken);
            if (!answer.IsAccepted)
            {
                throw;
            }

            return await ForAsync(session, backend, cancellationToken);
        }
    }

    /// <summary>
    /// For a request that has no result to carry a refusal: the JSON-RPC error that says what the per-user runtime
    /// refused, when <paramref name="exception"/> is such a refusal (found while looking the connection up, or during the
    /// request, by a connection whose authorization at the backend was lost); null for any other failure.
    /// </summary>
    public McpProtocolException? RequestRefusal(Exception exception) =>
        Refusal(exception) is { } refusal ? new McpProtocolException(refusal, McpErrorCode.InvalidRequest) : null;

    /// <summary>What to tell a caller the per-user runtime refused; null for any other failure.</summary>
    public string? Refusal(Exception exception) => exception switch
    {
        UserConnectionRequiredException missing => myConnections?.Explain(missing)
            ?? $"{missing.Message} Connect it under My connections in the gateway's dashboard (/oauth#connections).",
        TooManyInstancesException tooMany => tooMany.Message,
        _ => null,
    };

    public static string RefusalCode(Exception exception) =>
        exception is TooManyInstancesException ? "too_many_instances" : "not_connected";
}
