namespace OneMcp.Application.Audit;

/// <summary>The kinds of audited events (stable: stored, filtered on and exported).</summary>
public static class AuditKinds
{
    public const string ToolCall = "tools/call";
    public const string ResourceRead = "resources/read";
    public const string PromptGet = "prompts/get";
    public const string SignIn = "sign-in";
    public const string Consent = "consent";
    public const string Approval = "approval";
    public const string Denial = "denial";
    public const string Revocation = "revocation";
    public const string Change = "change";

    public static readonly IReadOnlyList<string> All = [ToolCall, ResourceRead, PromptGet, SignIn, Consent, Approval, Denial, Revocation, Change];

    /// <summary>The MCP requests routed to a backend: the ones the activity summary charts.</summary>
    public static readonly IReadOnlyList<string> Calls = [ToolCall, ResourceRead, PromptGet];
}
