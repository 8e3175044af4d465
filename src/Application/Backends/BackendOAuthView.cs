namespace OneMcp.Application.Backends;

/// <param name="Required">The backend asked for OAuth (or its settings name an OAuth client).</param>
/// <param name="Authorized">Connected with tokens the gateway obtained for it.</param>
/// <param name="PendingRequestId">Tokens obtained and waiting for an operator's Approve or Deny.</param>
public sealed record BackendOAuthView(bool Required, bool Authorized, Guid? PendingRequestId)
{
    public static readonly BackendOAuthView None = new(false, false, null);
}
