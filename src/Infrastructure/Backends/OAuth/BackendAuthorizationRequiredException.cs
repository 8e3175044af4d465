using System.Net;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>A backend needs (new) OAuth authorization; the connection reports it as awaiting OAuth with this reason.</summary>
public sealed class BackendAuthorizationRequiredException(string message)
    : HttpRequestException(message, null, HttpStatusCode.Unauthorized);
