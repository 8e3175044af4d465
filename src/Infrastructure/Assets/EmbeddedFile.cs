using System.Security.Cryptography;

namespace OneMcp.Infrastructure.Assets;

/// <summary>One file embedded in an assembly: its bytes, its content type and a strong ETag of its content.</summary>
public sealed record EmbeddedFile(byte[] Content, string ContentType)
{
    public string ETag { get; } = "\"" + Convert.ToHexStringLower(SHA256.HashData(Content))[..32] + "\"";
}
