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

    [Fact]
    public void Resolve_WithADamagedKeyFile_NamesTheFileNotTheVariable()
    {
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, KeyRingEncryptionKey.FileName);
        File.WriteAllText(file, "c2hvcnQ=");

        var error = Should.Throw<InvalidOperationException>(() => KeyRingEncryptionKey.Resolve(new PersistenceOptions { DataDirectory = _directory }, _ => null));

        error.Message.ShouldStartWith($"The key file {file} does not hold a key");
        error.Message.ShouldNotContain(KeyRingEncryptionKey.EnvironmentVariable);
    }

    [Fact]
    public void FromBase64_OfAShortValue_NamesTheVariable()
    {
        Should.Throw<InvalidOperationException>(() => KeyRingEncryptionKey.FromBase64("c2hvcnQ="))
            .Message.ShouldStartWith(KeyRingEncryptionKey.EnvironmentVariable);
    }
}
