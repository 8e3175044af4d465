namespace OneMcp.Application.Audit;

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";

    public static readonly IReadOnlyList<string> All = [Success, Failure];
}
