using System.Security.Cryptography;
using System.Text;
using OneMcp.Infrastructure.Persistence.DataProtection;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// The key that authenticates the hop between replicas (ADR 0031): HMAC-SHA256 of a fixed label under the
/// key-ring key (<c>ONEMCP_DATA_PROTECTION_KEY</c>, the same on every replica), so only replicas hold it and the
/// key-ring key itself never travels. A secret: never log it.
/// </summary>
public sealed class RelayKey
{
    /// <summary>The header a hop carries the key in.</summary>
    public const string Header = "X-OneMcp-Relay";

    /// <summary>The header a hop carries the client's address in (believed only with a valid key).</summary>
    public const string ClientHeader = "X-OneMcp-Relay-Client";

    private const string Label = "onemcp session relay v1";
    private readonly byte[] _value;

    public RelayKey(byte[] keyRingKey)
    {
        ArgumentNullException.ThrowIfNull(keyRingKey);
        _value = HMACSHA256.HashData(keyRingKey, Encoding.ASCII.GetBytes(Label));
        Value = Convert.ToBase64String(_value);
    }

    /// <summary>The header value a hop sends.</summary>
    public string Value { get; }

    public static RelayKey From(KeyRingEncryptionKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new RelayKey(key.Key);
    }

    /// <summary>Whether <paramref name="presented"/> is this key (compared in constant time).</summary>
    public bool Matches(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(presented, buffer, out var written)
            && written == _value.Length
            && CryptographicOperations.FixedTimeEquals(buffer[..written], _value);
    }
}
