using System.Security.Cryptography;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// The stored key ring was encrypted with another key than the gateway's (or the gateway has none): nothing that needs
/// the keys works until the right key is configured, so this is no failure a later try can get past. The message names
/// key fingerprints only, never a key.
/// </summary>
public sealed class KeyRingRefusedException(string message) : CryptographicException(message)
{
    /// <summary>The refusal in <paramref name="exception"/> or any exception it wraps; null when there is none.</summary>
    public static KeyRingRefusedException? In(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is KeyRingRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
