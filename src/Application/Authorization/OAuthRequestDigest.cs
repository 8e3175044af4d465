using System.Security.Cryptography;
using System.Text;

namespace OneMcp.Application.Authorization;

/// <summary>
/// Pins a consent to the exact OAuth request it was shown for: a digest of the request's parameters (sorted, so
/// their order does not matter). A consent form posted back with any other parameter is refused.
/// </summary>
public static class OAuthRequestDigest
{
    public static string Of(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var canonical = string.Join('\n', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
