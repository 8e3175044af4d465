namespace OneMcp.Application.Audit;

/// <summary>No caller (a command run by the host itself, such as the first admin from the environment).</summary>
public sealed class NoCurrentUser : ICurrentUser
{
    public AuditActor Actor => AuditActor.Anonymous;
}
