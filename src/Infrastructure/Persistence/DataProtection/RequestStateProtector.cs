using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Application.Gateway.InputRequests;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// Seals <c>requestState</c> with the gateway's Data Protection keys (authenticated encryption): a client can
/// neither read nor alter it, and every replica sharing the key ring can open it.
/// </summary>
public sealed class RequestStateProtector(IDataProtectionProvider protection) : IRequestStateProtector
{
    private const string Purpose = "OneMcp.Mcp.RequestState.v1";

    private readonly IDataProtector _protector = protection.CreateProtector(Purpose);

    public string Protect(RequestStateTicket ticket) =>
        _protector.Protect(JsonSerializer.Serialize(ticket, RequestStateJson.Default.RequestStateTicket));

    public RequestStateTicket? Unprotect(string requestState)
    {
        try
        {
            return JsonSerializer.Deserialize(_protector.Unprotect(requestState), RequestStateJson.Default.RequestStateTicket);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            // Altered, truncated or sealed elsewhere: the caller refuses it, and that is all there is to say.
            return null;
        }
    }
}
