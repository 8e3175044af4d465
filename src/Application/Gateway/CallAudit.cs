using ModelContextProtocol;
using OneMcp.Application.Audit;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway;

/// <summary>
/// The audit log's entry for each request the engine forwards (tools/call, resources/read, prompts/get): who, which
/// backend and name, how it ended and how long it took. Never the arguments or the result.
/// </summary>
internal sealed class CallAudit(IAuditLog log, TimeProvider time)
{
    /// <summary>One allocation and a non-blocking hand-off: the audit log never slows down or fails a call.</summary>
    public void Record(GatewaySession session, string kind, string? backend, string? name, long started, string? errorCode, string? credentials = null)
    {
        var actor = session.Actor;
        log.Record(new AuditEntry(
            time.GetUtcNow(), kind, errorCode is null ? AuditOutcomes.Success : AuditOutcomes.Failure,
            actor.UserName, actor.Subject, actor.ClientId, backend,
            AuditText.Clip(name),
            (long)time.GetElapsedTime(started).TotalMilliseconds, errorCode)
        {
            Credentials = credentials,
        });
    }

    /// <summary>Whose credentials a call to <paramref name="backend"/> runs with, for the audit log.</summary>
    public static string? CredentialsOf(IBackendConnection? backend) => backend is null
        ? null
        : backend.Settings.IsPerUser ? AuditCredentials.User : AuditCredentials.Shared;

    /// <summary>The JSON-RPC error code the client saw, or what kind of failure it was.</summary>
    public static string ErrorCode(Exception exception) => exception switch
    {
        McpProtocolException p => ((int)p.ErrorCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
        OperationCanceledException => "cancelled",
        TimeoutException => "timeout",
        McpException => "backend_error",
        _ => "internal_error",
    };
}
