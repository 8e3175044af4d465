using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>Reads what <see cref="KeyRingXmlEncryptor"/> wrote; Data Protection creates it with the service provider.</summary>
public sealed class KeyRingXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var key = services.GetService<KeyRingEncryptionKey>()
            ?? throw new CryptographicException($"The key ring is encrypted, and no key is configured: set {KeyRingEncryptionKey.EnvironmentVariable} (or restore {KeyRingEncryptionKey.FileName}).");
        if ((string?)encryptedElement.Attribute("keyId") != key.Id)
        {
            throw new CryptographicException($"The key ring was encrypted with another key than this gateway's {KeyRingEncryptionKey.EnvironmentVariable} / {KeyRingEncryptionKey.FileName}.");
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
