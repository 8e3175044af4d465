namespace OneMcp.Application.Audit;

/// <summary>Who is acting, as the audit log names them.</summary>
public sealed record AuditActor(string? UserName, string? Subject, string? ClientId)
{
    public static readonly AuditActor Anonymous = new(null, null, null);
}
