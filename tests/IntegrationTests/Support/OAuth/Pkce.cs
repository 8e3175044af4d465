using System.Security.Cryptography;
using System.Text;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>A PKCE pair (RFC 7636): a code verifier and its S256 code challenge.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public const string Method = "S256";

    /// <summary>A fresh verifier: 32 random bytes as base64url, 43 characters.</summary>
    public static Pkce Create() => FromVerifier(Base64Url(RandomNumberGenerator.GetBytes(32)));

    /// <summary>The pair for a given verifier (43 to 128 unreserved characters).</summary>
    public static Pkce FromVerifier(string verifier) => new(verifier, ComputeChallenge(verifier));

    /// <summary>BASE64URL(SHA256(ASCII(verifier))), without padding.</summary>
    public static string ComputeChallenge(string verifier)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        if (verifier.Length is < 43 or > 128)
        {
            throw new ArgumentException("A PKCE code verifier has 43 to 128 characters.", nameof(verifier));
        }

        return Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
    }

    internal static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
