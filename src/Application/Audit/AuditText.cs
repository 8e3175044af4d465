namespace OneMcp.Application.Audit;

/// <summary>
/// Text the audit log records from a request (a name, a client id, a user name tried) is a label there, not a
/// payload: it is clipped, so that nobody, signed in or not, can make a row (and the queue, a page, an export) as
/// large as the request they sent.
/// </summary>
public static class AuditText
{
    /// <summary>The most characters an audited text keeps.</summary>
    public const int MaxLength = 200;

    public static string? Clip(string? value) => value is { Length: > MaxLength } ? value[..MaxLength] : value;
}
