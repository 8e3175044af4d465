using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.DataProtection;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>The Data Protection key ring in the database: the repository itself and the wired-up protect/unprotect path.</summary>
public abstract class DataProtectionContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private const string Purpose = "OneMcp.Tests.BackendCredentials";

    [Fact]
    public async Task XmlRepository_StoresElements_AndReturnsThemInStoredOrder()
    {
        var first = new XElement("key", new XAttribute("id", "1"), new XElement("value", NonAscii));
        var second = new XElement("key", new XAttribute("id", "2"), new XElement("value", "two"));
        new DapperXmlRepository(Factory).StoreElement(first, "key-1");
        new DapperXmlRepository(Factory).StoreElement(second, "key-2");

        var elements = new DapperXmlRepository(Factory).GetAllElements().ToList();

        elements.Count.ShouldBe(2);
        XNode.DeepEquals(elements[0], first).ShouldBeTrue();
        XNode.DeepEquals(elements[1], second).ShouldBeTrue();
        elements[0].Element("value")!.Value.ShouldBe(NonAscii);
        (await Db.CountAsync("data_protection_keys")).ShouldBe(2);
    }

    [Fact]
    public void XmlRepository_WhenEmpty_ReturnsNoElements() =>
        new DapperXmlRepository(Factory).GetAllElements().ShouldBeEmpty();

    [Fact]
    public async Task XmlRepository_SameFriendlyNameTwice_KeepsTheFirstWithoutFailing()
    {
        var original = new XElement("key", new XAttribute("id", "original"));
        var replica = new XElement("key", new XAttribute("id", "from-another-replica"));
        new DapperXmlRepository(Factory).StoreElement(original, "key-same");

        Should.NotThrow(() => new DapperXmlRepository(Factory).StoreElement(replica, "key-same"));

        (await Db.CountAsync("data_protection_keys")).ShouldBe(1);
        var stored = new DapperXmlRepository(Factory).GetAllElements().ShouldHaveSingleItem();
        stored.Attribute("id")!.Value.ShouldBe("original");
    }

    [Fact]
    public void XmlRepository_TwoInstances_SeeEachOthersElements()
    {
        var a = new DapperXmlRepository(Factory);
        var b = new DapperXmlRepository(Factory);

        a.StoreElement(new XElement("key", new XAttribute("id", "a")), "key-a");
        b.GetAllElements().Select(e => e.Attribute("id")!.Value).ShouldBe(["a"]);
        b.StoreElement(new XElement("key", new XAttribute("id", "b")), "key-b");

        a.GetAllElements().Select(e => e.Attribute("id")!.Value).ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task XmlRepository_TwoReplicasStoringANewKeyAfterReadingTheSameRing_KeepsOnlyTheFirst_AndEveryRevocation()
    {
        var a = new DapperXmlRepository(Factory);
        var b = new DapperXmlRepository(Factory);
        a.GetAllElements().ShouldBeEmpty();
        b.GetAllElements().ShouldBeEmpty();

        a.StoreElement(new XElement("key", new XAttribute("id", "a")), "key-a");
        b.StoreElement(new XElement("key", new XAttribute("id", "b")), "key-b");
        b.StoreElement(new XElement("revocation", new XAttribute("version", "1")), "revocation-b");

        (await Db.CountAsync("data_protection_keys")).ShouldBe(2);
        var stored = new DapperXmlRepository(Factory).GetAllElements();
        stored.Select(e => e.Name.LocalName + ":" + (string?)e.Attribute("id")).ShouldBe(["key:a", "revocation:"]);

        // Having read the ring again (as Data Protection does after storing a key), b stores its next key as usual.
        b.GetAllElements().Count.ShouldBe(2);
        b.StoreElement(new XElement("key", new XAttribute("id", "b2")), "key-b2");
        (await Db.CountAsync("data_protection_keys")).ShouldBe(3);
    }

    [Fact]
    public async Task AddGatewayDataProtection_TwoReplicasCreatingTheFirstKeyAtOnce_BothUseTheOneStored()
    {
        var key = KeyRingEncryptionKey.FromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        await using var replicaA = BuildServices(key);
        var a = replicaA.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
        byte[]? fromA = null;

        // Replica B found no key and creates one; while it encrypts it (before storing it), replica A does the same.
        await using var replicaB = BuildServices(key, services => services.Configure<KeyManagementOptions>(options =>
            options.XmlEncryptor = new RacingEncryptor(options.XmlEncryptor!, () => fromA = a.Protect([1, 2, 3]))));
        var b = replicaB.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
        var fromB = b.Protect([4, 5, 6]);

        var protectedByA = fromA.ShouldNotBeNull();
        (await Db.CountAsync("data_protection_keys")).ShouldBe(1);
        KeyIdOf(fromB).ShouldBe(KeyIdOf(protectedByA));
        a.Unprotect(fromB).ShouldBe([4, 5, 6]);
        b.Unprotect(protectedByA).ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task AddGatewayDataProtection_ProtectedByOneProvider_UnprotectsInAnotherOverTheSameDatabase()
    {
        string protectedPayload;
        await using (var replica1 = BuildServices())
        {
            replica1.GetRequiredService<IOptions<DataProtectionOptions>>().Value.ApplicationDiscriminator
                .ShouldBe(GatewayDataProtectionExtensions.ApplicationName);
            protectedPayload = replica1.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("secret " + NonAscii);
        }

        // The key the first provider created is in the database, not in a per-machine directory.
        (await Db.CountAsync("data_protection_keys")).ShouldBe(1);

        await using (var replica2 = BuildServices())
        {
            replica2.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedPayload).ShouldBe("secret " + NonAscii);
        }

        // The second provider used that key instead of creating its own.
        (await Db.CountAsync("data_protection_keys")).ShouldBe(1);

        // Without the key ring in the database, nothing can read the payload any more.
        await Db.ExecuteAsync("DELETE FROM data_protection_keys");
        await using var withoutKeys = BuildServices();
        Should.Throw<CryptographicException>(() =>
            withoutKeys.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedPayload));
    }

    [Fact]
    public async Task AddGatewayDataProtection_WithAnEncryptionKey_StoresNoKeyMaterialInClear_AndOnlyThatKeyReadsIt()
    {
        var key = KeyRingEncryptionKey.FromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var otherKey = KeyRingEncryptionKey.FromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        string protectedPayload;
        await using (var replica1 = BuildServices(key))
        {
            protectedPayload = replica1.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("secret " + NonAscii);
        }

        var stored = new DapperXmlRepository(Factory, key).GetAllElements().ShouldHaveSingleItem().ToString();
        await using var replica2 = BuildServices(key);
        await using var wrongKey = BuildServices(otherKey);
        await using var noKey = BuildServices();

        stored.ShouldContain(KeyRingXmlEncryptor.ElementName);
        stored.ShouldNotContain("<masterKey");
        replica2.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedPayload).ShouldBe("secret " + NonAscii);
        Should.Throw<CryptographicException>(() => wrongKey.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedPayload));
        Should.Throw<CryptographicException>(() => noKey.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedPayload));
    }

    [Fact]
    public async Task AddGatewayDataProtection_WhenTheStoredRingNeedsAnotherKey_RefusesWithAClearError_AndCreatesNoKeyOfItsOwn()
    {
        var key = KeyRingEncryptionKey.FromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var otherKey = KeyRingEncryptionKey.FromBase64(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        string protectedPayload;
        await using (var replica1 = BuildServices(key))
        {
            protectedPayload = replica1.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("secret " + NonAscii);
        }

        // A replica started with another key (a changed variable, a lost key file) and one with none: both would have
        // skipped every stored key as unreadable and created their own, protecting new secrets nobody else can read.
        await using (var wrongKey = BuildServices(otherKey))
        {
            var refused = Should.Throw<CryptographicException>(() => wrongKey.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("new"));
            MessagesOf(refused).ShouldContain(KeyRingEncryptionKey.EnvironmentVariable);
            MessagesOf(refused).ShouldContain(key.Id);
        }

        await using (var noKey = BuildServices())
        {
            var refused = Should.Throw<CryptographicException>(() => noKey.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("new"));
            MessagesOf(refused).ShouldContain(KeyRingEncryptionKey.EnvironmentVariable);
        }

        (await Db.CountAsync("data_protection_keys")).ShouldBe(1);
        await using var rightKey = BuildServices(key);
        rightKey.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(protectedPayload).ShouldBe("secret " + NonAscii);
    }

    [Fact]
    public void KeyRingEncryptionKey_ForSqlite_IsCreatedOnceInTheDataDirectory_ReadableByItsOwnerOnly()
    {
        var directory = Path.Combine(Path.GetTempPath(), "onemcp-tests", Guid.NewGuid().ToString("N"));
        var persistence = new PersistenceOptions { DataDirectory = directory };

        var first = KeyRingEncryptionKey.Resolve(persistence, _ => null)!;
        var second = KeyRingEncryptionKey.Resolve(persistence, _ => null)!;
        var fromEnvironment = KeyRingEncryptionKey.Resolve(
            persistence with { ConnectionString = "Host=127.0.0.1" }, name => name == KeyRingEncryptionKey.EnvironmentVariable ? Convert.ToBase64String(new byte[32]) : null);
        var postgresWithout = KeyRingEncryptionKey.Resolve(persistence with { ConnectionString = "Host=127.0.0.1" }, _ => null);

        second.Id.ShouldBe(first.Id);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(directory, KeyRingEncryptionKey.FileName)).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        fromEnvironment!.Id.ShouldNotBe(first.Id);
        postgresWithout.ShouldBeNull();
        Should.Throw<InvalidOperationException>(() => KeyRingEncryptionKey.FromBase64("too short"));
        Directory.Delete(directory, recursive: true);
    }

    private static string MessagesOf(Exception exception) =>
        exception.InnerException is { } inner ? exception.Message + " / " + MessagesOf(inner) : exception.Message;

    // A Data Protection payload starts with a 4-byte magic header, then the id of the key that protected it.
    private static Guid KeyIdOf(byte[] payload) => new(payload.AsSpan(4, 16));

    private ServiceProvider BuildServices(KeyRingEncryptionKey? key = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IDbConnectionFactory>(Factory);
        services.AddGatewayDataProtection(key);
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    /// <summary>Runs <paramref name="meanwhile"/> once, the first time a key is encrypted (after the ring was read, before the key is stored).</summary>
    private sealed class RacingEncryptor(IXmlEncryptor inner, Action meanwhile) : IXmlEncryptor
    {
        private Action? _meanwhile = meanwhile;

        public EncryptedXmlInfo Encrypt(XElement plaintextElement)
        {
            Interlocked.Exchange(ref _meanwhile, null)?.Invoke();
            return inner.Encrypt(plaintextElement);
        }
    }
}
