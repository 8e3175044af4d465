using System.Security.Cryptography;
using System.Text;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// The key that encrypts the Data Protection key ring before it is written to the database, so a copy of the
/// database alone reads neither tokens nor backend credentials. It comes from <c>ONEMCP_DATA_PROTECTION_KEY</c>
/// (base64 of 32 bytes, the same on every replica) or, for the embedded SQLite store, from the file
/// <c>onemcp.key</c> next to the database, created on first use and readable by its owner only.
/// </summary>
public sealed class KeyRingEncryptionKey
{
    public const string EnvironmentVariable = "ONEMCP_DATA_PROTECTION_KEY";
    public const string FileName = "onemcp.key";
    private const int KeyBytes = 32;

    private KeyRingEncryptionKey(byte[] key)
    {
        Key = key;
        Id = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    internal byte[] Key { get; }

    /// <summary>A fingerprint of the key (not the key): tells which key an element needs.</summary>
    public string Id { get; }

    public static KeyRingEncryptionKey FromBase64(string value) =>
        FromBase64(value, $"{EnvironmentVariable} must be the base64 encoding of {KeyBytes} random bytes (e.g. `openssl rand -base64 32`).");

    // invalid: what the error says, which names where the value came from (the variable, or the key file).
    private static KeyRingEncryptionKey FromBase64(string value, string invalid)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException(invalid);
        }

        return key.Length == KeyBytes ? new KeyRingEncryptionKey(key) : throw new InvalidOperationException(invalid);
    }

    /// <summary>The key in <paramref name="path"/>, created (owner read/write only) when the file does not exist yet.</summary>
    public static KeyRingEncryptionKey FromFile(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            // Written aside, then moved into place whole: a process starting at the same moment never reads half a key.
            // The key is on disk before the move, and the move before anything is protected with it: after a power cut,
            // the file is the whole key or absent, never an empty name the data's key was lost with.
            var written = $"{path}.{Guid.NewGuid():N}.tmp";
            try
            {
                using (var file = new FileStream(written, options))
                {
                    file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes))));
                    file.Flush(flushToDisk: true);
                }

                File.Move(written, path, overwrite: false);
                DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it at the same moment: use theirs.
                return FromBase64(File.ReadAllText(path), KeyFileSource(path));
            }
            finally
            {
                File.Delete(written);
            }
        }

        return FromBase64(File.ReadAllText(path), KeyFileSource(path));
    }

    /// <summary>The environment variable, else the key file for SQLite; null for PostgreSQL without the variable.</summary>
    public static KeyRingEncryptionKey? Resolve(PersistenceOptions persistence, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(persistence);
        ArgumentNullException.ThrowIfNull(environment);
        // A blank variable counts as unset, as the start's check of the settings reads it.
        if (environment(EnvironmentVariable) is { } value && !string.IsNullOrWhiteSpace(value))
        {
            return FromBase64(value);
        }

        return persistence.Dialect == SqlDialect.Sqlite ? FromFile(Path.Combine(persistence.DataDirectory, FileName)) : null;
    }

    private static string KeyFileSource(string path) =>
        $"The key file {path} does not hold a key (the base64 encoding of {KeyBytes} bytes): restore it from your backup. " +
        "A new key cannot read the tokens and backend secrets stored with the old one.";
}
