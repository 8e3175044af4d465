using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>Reads what <see cref="KeyRingXmlEncryptor"/> wrote; Data Protection creates it with the service provider.</summary>
public sealed class KeyRingXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    /// <summary>Why an encrypted key ring cannot be read without a key.</summary>
    public const string NoKeyMessage =
        $"The key ring is encrypted, and no key is configured: set {KeyRingEncryptionKey.EnvironmentVariable} (or restore {KeyRingEncryptionKey.FileName}).";

    /// <summary>Why a key ring encrypted with another key cannot be read.</summary>
    public const string OtherKeyMessage =
        $"The key ring was encrypted with another key than this gateway's {KeyRingEncryptionKey.EnvironmentVariable} / {KeyRingEncryptionKey.FileName}.";

    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetService<KeyRingEncryptionKey>() ?? throw new CryptographicException(NoKeyMessage);
        if ((string?)encryptedElement.Attribute("keyId") != key.Id)
        {
            throw new CryptographicException(OtherKeyMessage);
        }

        var sealedBytes = Convert.FromBase64String(encryptedElement.Value);
        var nonceLength = AesGcm.NonceByteSizes.MaxSize;
        var tagLength = AesGcm.TagByteSizes.MaxSize;
        var plaintext = new byte[sealedBytes.Length - nonceLength - tagLength];
        using (var aes = new AesGcm(key.Key, tagLength))
        {
            aes.Decrypt(sealedBytes.AsSpan(0, nonceLength), sealedBytes.AsSpan(nonceLength + tagLength), sealedBytes.AsSpan(nonceLength, tagLength), plaintext);
        }

        try
        {
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
