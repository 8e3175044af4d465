using System.Security.Claims;

namespace OneMcp.Infrastructure.Identity;

/// <summary>Who sent a request to the MCP endpoints or the REST API, as <see cref="RequestAuthentication"/> found them.</summary>
/// <param name="User">The caller, or null when nothing valid was presented.</param>
/// <param name="TokenPresented">Whether the request carried an <c>Authorization</c> header.</param>
/// <param name="ViaCookie">Whether the caller came in with the dashboard's sign-in cookie (the REST API only).</param>
internal readonly record struct AuthenticatedCaller(ClaimsPrincipal? User, bool TokenPresented, bool ViaCookie);
