using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// The Data Protection key ring in the <c>data_protection_keys</c> table (SQLite or PostgreSQL, through
/// <see cref="IDbConnectionFactory"/>), so every replica, and the same replica after a restart, reads the same keys.
/// Storing is idempotent per friendly name: a key already stored under that name is kept and the call succeeds, so
/// replicas that start together never fail on the unique constraint. A new key is stored only when no other key was
/// stored since this repository last read the ring (checked under a lock on PostgreSQL): two replicas that both found
/// no usable key and created one at once would otherwise each use their own, and the one that read first would not
/// know the other's key (it cannot read what the other protects) until its next refresh, a day later. The key not
/// stored is not used: Data Protection reads the ring again after creating a key and takes the stored one.
/// </summary>
/// <remarks>
/// <see cref="IXmlRepository"/> is synchronous; the key manager calls it rarely (start-up, key ring refresh about
/// once a day, key creation), so blocking on the pooled connection here is acceptable. With <c>encryption</c> the keys
/// are stored encrypted (<see cref="KeyRingXmlEncryptor"/>). A stored ring that this gateway's key cannot read (the
/// key variable or file changed or was lost) is refused with an error that says so (ADR 0048): the key manager would
/// otherwise skip every stored key as unreadable and create a new one, and every stored secret, token and cookie
/// protected with the old keys would be lost without a word.
/// </remarks>
public sealed class DapperXmlRepository(IDbConnectionFactory connections, KeyRingEncryptionKey? encryption = null) : IXmlRepository
{
    // ON CONFLICT ... DO NOTHING is the same on SQLite (3.24+) and PostgreSQL (9.5+).
    private const string InsertSql =
        "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@FriendlyName, @Xml) ON CONFLICT (friendly_name) DO NOTHING";

    private const string SelectSql = "SELECT id AS Id, xml AS Xml FROM data_protection_keys ORDER BY id";

    // Keys (not revocations) stored after the ring this repository last read.
    private const string NewerKeysSql = "SELECT COUNT(*) FROM data_protection_keys WHERE id > @Seen AND xml LIKE '<key %'";

    // pg_advisory_xact_lock(class, 0) around the check and the insert: "OMDP".
    private const int StoreLockClass = 0x4F4D4450;

    // The highest row id of the last ring read; -1 before the first read.
    private long _seen = -1;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = connections.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        var rows = connection.Query<Row>(SelectSql).ToList();
        IReadOnlyCollection<XElement> elements = [.. rows.Select(row => XElement.Parse(row.Xml))];
        EnsureReadable(elements);
        Interlocked.Exchange(ref _seen, rows.Count == 0 ? 0 : rows[^1].Id);
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);

        // The key manager names keys "key-<guid>"; a caller without a name still gets a unique row.
        var name = string.IsNullOrWhiteSpace(friendlyName) ? "element-" + Guid.NewGuid().ToString("D") : friendlyName;
        var parameters = new DynamicParameters();
        parameters.AddText("FriendlyName", name);
        parameters.AddText("Xml", element.ToString(SaveOptions.DisableFormatting));
        using var connection = connections.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        var seen = Interlocked.Read(ref _seen);
        if (element.Name.LocalName != "key" || seen < 0)
        {
            // A revocation, or a caller that read nothing first: stored as it comes.
            connection.Execute(InsertSql, parameters);
            return;
        }

        using var transaction = connection.BeginTransaction();
        if (connections.Dialect == SqlDialect.Postgres)
        {
            connection.Execute("SELECT pg_advisory_xact_lock(@Class, 0)", new { Class = StoreLockClass }, transaction);
        }

        parameters.Add("Seen", seen);
        if (connection.ExecuteScalar<long>(NewerKeysSql, parameters, transaction) == 0)
        {
            connection.Execute(InsertSql, parameters, transaction);
        }

        transaction.Commit();
    }

    // Keys encrypted with another key than this gateway's, and none with its own: nothing stored can be read. Keys of
    // both (an earlier mix-up) still leave this gateway's own usable, as before.
    private void EnsureReadable(IReadOnlyCollection<XElement> elements)
    {
        var encryptedWith = elements
            .SelectMany(e => e.DescendantsAndSelf(KeyRingXmlEncryptor.ElementName))
            .Select(e => (string?)e.Attribute("keyId") ?? string.Empty)
            .ToHashSet(StringComparer.Ordinal);
        if (encryptedWith.Count == 0 || (encryption is not null && encryptedWith.Contains(encryption.Id)))
        {
            return;
        }

        throw new KeyRingRefusedException(encryption is null
            ? KeyRingXmlDecryptor.NoKeyMessage
            : $"{KeyRingXmlDecryptor.OtherKeyMessage} The stored keys need the key with fingerprint {string.Join(", ", encryptedWith.Order(StringComparer.Ordinal))}; " +
              $"this gateway's has {encryption.Id}. Nothing is created or changed until the right key is configured: a new key ring could not read the tokens and backend secrets already stored.");
    }

    private sealed class Row
    {
        public long Id { get; set; }

        public string Xml { get; set; } = string.Empty;
    }
}
