namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>
/// What a <c>requestState</c> the gateway hands a 2026-07-28 client stands for: which waiting call it continues,
/// who may continue it, for which request, and until when. It travels protected (encrypted and authenticated)
/// and is checked field by field when it comes back (<see cref="InputRequiredBridge"/>).
/// </summary>
public sealed record RequestStateTicket(string CallId, string Principal, string RequestDigest, DateTimeOffset ExpiresAt);
