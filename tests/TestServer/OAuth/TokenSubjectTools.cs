using System.ComponentModel;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.OAuth;

/// <summary>
/// <c>--require-oauth</c> only: says as whom a call came, so gateway tests can prove that each user's call carries
/// that user's own token (per-user backend credentials) and not someone else's.
/// </summary>
[McpServerToolType]
internal sealed class TokenSubjectTools(IServiceProvider services)
{
    [McpServerTool(Name = "token_subject")]
    [Description("Returns the account (subject) of the bearer token this call came with, as typed on the consent page.")]
    public string TokenSubject()
    {
        // The SDK runs a handler in the execution context of the POST that carried it, so the accessor sees that request;
        // the middleware already refused a call without a valid token.
        var header = services.GetService<IHttpContextAccessor>()?.HttpContext?.Request.Headers.Authorization.ToString() ?? string.Empty;
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
        return services.GetRequiredService<TestOAuthStore>().ValidateAccessToken(token)?.Subject
            ?? throw new InvalidOperationException("The call carried no valid bearer token.");
    }
}
