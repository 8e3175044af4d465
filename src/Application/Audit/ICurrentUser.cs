namespace OneMcp.Application.Audit;

/// <summary>Who the current control-plane request acts for (implemented by the host: the HTTP caller).</summary>
public interface ICurrentUser
{
    AuditActor Actor { get; }
}
