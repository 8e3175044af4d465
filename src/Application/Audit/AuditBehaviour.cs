using MediatR;

namespace OneMcp.Application.Audit;

/// <summary>
/// Records every control-plane change (a request whose type ends in <c>Command</c>) in the audit log with its
/// outcome: sign-ins, consents, approvals, denials, revocations and every other REST change, in one place, so a
/// new command is audited without anyone remembering to. Registered outermost, so a request refused by validation
/// is recorded as a failure too. Only the operation's name and what it was made to (a user, preset, tag, grant ...:
/// <see cref="AuditedCommand.Describe"/>) are kept, never the request's other fields.
/// </summary>
public sealed class AuditBehaviour<TRequest, TResponse>(IAuditLog audit, ICurrentUser currentUser, TimeProvider time)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is null || AuditedCommand.Describe(request) is not { } described)
        {
            return await next();
        }

        var started = time.GetTimestamp();
        try
        {
            var response = await next();
            var (outcome, code) = AuditedCommand.OutcomeOf(response);
            Record(request, described, response, outcome, code, started);
            return response;
        }
        catch (Exception e)
        {
            Record(request, described, default, AuditOutcomes.Failure, AuditedCommand.ErrorCode(e), started);
            throw;
        }
    }

    private void Record(TRequest request, AuditedCommand.Description described, TResponse? response, string outcome, string? code, long started)
    {
        var actor = AuditedCommand.ActorOf(request!, response, currentUser.Actor);
        audit.Record(new AuditEntry(
            time.GetUtcNow(), described.Kind, outcome, actor.UserName, actor.Subject, actor.ClientId, described.Backend, described.Name,
            (long)time.GetElapsedTime(started).TotalMilliseconds, code)
        {
            Target = described.Target,
        });
    }
}
