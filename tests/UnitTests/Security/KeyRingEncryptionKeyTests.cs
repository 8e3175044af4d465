using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.DataProtection;

namespace OneMcp.UnitTests.Security;

/// <summary>Where the key that encrypts the key ring comes from, and what a bad one is told.</summary>
public sealed class KeyRingEncryptionKeyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "onemcp-keyring-key-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Resolve_WithABlankVariable_UsesTheKeyFileAsTheSettingsCheckDoes(string blank)
    {
        var fromBlank = KeyRingEncryptionKey.Resolve(new PersistenceOptions { DataDirectory = _directory }, _ => blank);
        var fromFile = KeyRingEncryptionKey.Resolve(new PersistenceOptions { DataDirectory = _directory }, _ => null);

        fromBlank.ShouldNotBeNull().Id.ShouldBe(fromFile.ShouldNotBeNull().Id);
        File.Exists(Path.Combine(_directory, KeyRingEncryptionKey.FileName)).ShouldBeTrue();
    }

    // A short key; an empty file and half a key, as a write cut short by a power loss leaves them: never replaced by a
    // new key, which could not read what the old one protected.
    [Theory]
    [InlineData("c2hvcnQ=")]
    [InlineData("")]
    [InlineData("q83vEjRWeJCrze8SNFZ4kKvN7xI0Vn")]
    public void Resolve_WithADamagedKeyFile_NamesTheFileNotTheVariable_AndLeavesItAsItIs(string content)
    {
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, KeyRingEncryptionKey.FileName);
        File.WriteAllText(file, content);

        var error = Should.Throw<InvalidOperationException>(() => KeyRingEncryptionKey.Resolve(new PersistenceOptions { DataDirectory = _directory }, _ => null));

        error.Message.ShouldStartWith($"The key file {file} does not hold a key");
        error.Message.ShouldContain("restore it from your backup");
        error.Message.ShouldNotContain(KeyRingEncryptionKey.EnvironmentVariable);
        File.ReadAllText(file).ShouldBe(content);
    }

    [Fact]
    public void FromBase64_OfAShortValue_NamesTheVariable()
    {
        Should.Throw<InvalidOperationException>(() => KeyRingEncryptionKey.FromBase64("c2hvcnQ="))
            .Message.ShouldStartWith(KeyRingEncryptionKey.EnvironmentVariable);
    }
}
