namespace OneMcp.Infrastructure.Identity;

/// <summary>How many rows one pruning pass deleted.</summary>
internal readonly record struct OAuthPruningResult(long Tokens, long Authorizations, int AuthorizationRequests, long Clients = 0);
