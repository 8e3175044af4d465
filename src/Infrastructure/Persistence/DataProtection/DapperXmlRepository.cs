using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace OneMcp.Infrastructure.Persistence.DataProtection;

/// <summary>
/// The Data Protection key ring in the <c>data_protection_keys</c> table (SQLite or PostgreSQL, through
/// <see cref="IDbConnectionFactory"/>), so every replica, and the same replica after a restart, reads the same keys.
/// Storing is idempotent per friendly name: a key already stored under that name is kept and the call succeeds, so
/// replicas that start together never fail on the unique constraint.
/// </summary>
/// <remarks>
/// <see cref="IXmlRepository"/> is synchronous; the key manager calls it rarely (start-up, key ring refresh about
/// once a day, key creation), so blocking on the pooled connection here is acceptable. The keys are stored as
/// Data Protection writes them (no XML encryptor is configured): whoever can read the database can read the keys,
/// as they can read everything else in it.
/// </remarks>
public sealed class DapperXmlRepository(IDbConnectionFactory connections) : IXmlRepository
{
    // ON CONFLICT ... DO NOTHING is the same on SQLite (3.24+) and PostgreSQL (9.5+).
    private const string InsertSql =
        "INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@FriendlyName, @Xml) ON CONFLICT (friendly_name) DO NOTHING";

    private const string SelectSql = "SELECT xml FROM data_protection_keys ORDER BY id";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = connections.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        return [.. connection.Query<string>(SelectSql).Select(xml => XElement.Parse(xml))];
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
        connection.Execute(InsertSql, parameters);
    }
}
