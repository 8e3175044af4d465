using System.Collections.Immutable;
using System.Data;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// What the four Dapper stores share: the JSON text encoding of OpenIddict's collection properties (the same shapes
/// as OpenIddict's own EF models: arrays of strings, objects keyed by culture name or property name; empty
/// collections are stored as NULL), paging, counting, the concurrency-checked update/delete and the per-dialect SQL
/// fragments. Nothing here logs: token payloads, reference ids and client secrets pass through these helpers.
/// </summary>
internal static class OidcStoreSupport
{
    /// <summary>Rows deleted per statement while pruning, so one prune never holds SQLite's write lock for long.</summary>
    public const int PruneBatchSize = 1_000;

    // The cultures this machine can represent (only the invariant one under invariant globalization).
    private static readonly Lazy<HashSet<string>> KnownCultures = new(() =>
        new HashSet<string>(CultureInfo.GetCultures(CultureTypes.AllCultures).Select(c => c.Name), StringComparer.OrdinalIgnoreCase));

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    private static readonly JsonSerializerOptions KeySetOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
        WriteIndented = false,
    };

    // ---- JSON columns ----

    public static string? ArrayToJson(ImmutableArray<string> values) =>
        values.IsDefaultOrEmpty ? null : JsonSerializer.Serialize(values.ToArray(), JsonOptions);

    public static ImmutableArray<string> ArrayFromJson(string? json) =>
        string.IsNullOrEmpty(json) ? [] : [.. JsonSerializer.Deserialize<string[]>(json, JsonOptions) ?? []];

    public static string? PropertiesToJson(ImmutableDictionary<string, JsonElement>? properties)
    {
        if (properties is null || properties.IsEmpty)
        {
            return null;
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in properties)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static ImmutableDictionary<string, JsonElement> PropertiesFromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return ImmutableDictionary<string, JsonElement>.Empty;
        }

        using var document = JsonDocument.Parse(json);
        var builder = ImmutableDictionary.CreateBuilder<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            builder[property.Name] = property.Value.Clone();
        }

        return builder.ToImmutable();
    }

    public static string? SettingsToJson(ImmutableDictionary<string, string>? settings) =>
        settings is null || settings.IsEmpty ? null : JsonSerializer.Serialize(settings, JsonOptions);

    public static ImmutableDictionary<string, string> SettingsFromJson(string? json) =>
        string.IsNullOrEmpty(json)
            ? ImmutableDictionary<string, string>.Empty
            : (JsonSerializer.Deserialize<Dictionary<string, string>>(json, JsonOptions) ?? []).ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>Localized names keyed by culture name (the invariant culture is the empty name).</summary>
    public static string? CulturesToJson(ImmutableDictionary<CultureInfo, string>? values) =>
        values is null || values.IsEmpty
            ? null
            : JsonSerializer.Serialize(values.ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.Ordinal), JsonOptions);

    /// <summary>
    /// Reads localized names back. A culture this process cannot create (the gateway runs with invariant
    /// globalization, where only the invariant culture exists) is skipped rather than failing the whole entity.
    /// </summary>
    public static ImmutableDictionary<CultureInfo, string> CulturesFromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return ImmutableDictionary<CultureInfo, string>.Empty;
        }

        var builder = ImmutableDictionary.CreateBuilder<CultureInfo, string>();
        foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(json, JsonOptions) ?? [])
        {
            if (KnownCultures.Value.Contains(name))
            {
                builder[CultureInfo.GetCultureInfo(name)] = value;
            }
        }

        return builder.ToImmutable();
    }

    public static string? KeySetToJson(JsonWebKeySet? set) => set is null ? null : JsonSerializer.Serialize(set, KeySetOptions);

    public static JsonWebKeySet? KeySetFromJson(string? json) => string.IsNullOrEmpty(json) ? null : JsonWebKeySet.Create(json);

    /// <summary>Never hand OpenIddict a default (uninitialised) ImmutableArray.</summary>
    public static ImmutableArray<string> OrEmpty(this ImmutableArray<string> values) => values.IsDefault ? [] : values;

    // ---- SQL fragments ----

    /// <summary>True when the JSON array of strings in <paramref name="column"/> contains the text parameter <paramref name="parameter"/>.</summary>
    public static string JsonArrayContains(SqlDialect dialect, string column, string parameter) => dialect == SqlDialect.Postgres
        ? $"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST({column} AS jsonb)) AS e(value) WHERE e.value = @{parameter})"
        : $"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = @{parameter})";

    /// <summary>The strings of a JSON array parameter, as a one-column subquery (for <c>x IN (...)</c>).</summary>
    public static string JsonArrayValues(SqlDialect dialect, string parameter) => dialect == SqlDialect.Postgres
        ? $"SELECT jsonb_array_elements_text(CAST(@{parameter} AS jsonb))"
        : $"SELECT value FROM json_each(@{parameter})";

    /// <summary>A fresh random concurrency token per row, for bulk updates.</summary>
    public static string NewTokenSql(SqlDialect dialect) => dialect == SqlDialect.Postgres
        ? "CAST(gen_random_uuid() AS text)"
        : "lower(hex(randomblob(16)))";

    public static string OrderById(SqlDialect dialect) => "ORDER BY " + DbValues.OrderByBinary(dialect, "id");

    /// <summary>LIMIT/OFFSET for the store's <c>ListAsync(count, offset)</c>; SQLite needs a LIMIT before an OFFSET.</summary>
    public static string Paging(SqlDialect dialect, int? count, int? offset, DynamicParameters parameters)
    {
        var sql = "";
        if (count is { } c)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(c, nameof(count));
            parameters.AddInt("Count", c);
            sql += " LIMIT @Count";
        }
        else if (offset is not null && dialect == SqlDialect.Sqlite)
        {
            sql += " LIMIT -1";
        }

        if (offset is { } o)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(o, nameof(offset));
            parameters.AddInt("Offset", o);
            sql += " OFFSET @Offset";
        }

        return sql;
    }

    // ---- execution ----

    public static async Task<List<TRow>> QueryAsync<TRow>(IDbConnectionFactory connections, string sql, DynamicParameters? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<TRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public static async Task<int> ExecuteAsync(IDbConnectionFactory connections, string sql, DynamicParameters? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
    }

    public static async Task<long> CountAsync(IDbConnectionFactory connections, string table, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var value = await connection.ExecuteScalarAsync<object>(new CommandDefinition($"SELECT COUNT(*) FROM {table}", cancellationToken: cancellationToken));
        return Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a prune DELETE (an <c>id IN (SELECT ... LIMIT n)</c>) batch after batch until a batch comes back short.</summary>
    public static async Task<long> DeleteInBatchesAsync(IDbConnectionFactory connections, string sql, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        long total = 0;
        await using var connection = await connections.OpenAsync(cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var deleted = await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
            total += deleted;
            if (deleted < PruneBatchSize)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Optimistic concurrency: <paramref name="sql"/> is an UPDATE or DELETE ending in
    /// <c>WHERE id = @Id AND {ConcurrencyCondition}</c>. Zero rows means another writer changed or deleted the entity
    /// since it was loaded, which OpenIddict expects as <see cref="OpenIddictExceptions.ConcurrencyException"/>.
    /// </summary>
    public static async Task ExecuteCheckedAsync(IDbConnectionFactory connections, string entity, string sql, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var affected = await ExecuteAsync(connections, sql, parameters, cancellationToken);
        if (affected == 0)
        {
            throw new OpenIddictExceptions.ConcurrencyException(
                $"The {entity} was concurrently updated or deleted and cannot be persisted in its current state. " +
                $"Reload the {entity} from the database and retry the operation.");
        }
    }

    /// <summary>The WHERE clause of a concurrency-checked statement; adds <c>@Id</c> and <c>@OldToken</c>.</summary>
    public static string ConcurrencyCondition(DynamicParameters parameters, string? id, string? loadedToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        parameters.AddText("Id", id);
        if (loadedToken is null)
        {
            return "id = @Id AND concurrency_token IS NULL";
        }

        parameters.AddText("OldToken", loadedToken);
        return "id = @Id AND concurrency_token = @OldToken";
    }

    /// <summary>A filter on a nullable criterion: the condition when given, nothing otherwise.</summary>
    public static void AddFilter(List<string> conditions, DynamicParameters parameters, string column, string name, string? value)
    {
        if (value is not null)
        {
            parameters.AddText(name, value);
            conditions.Add($"{column} = @{name}");
        }
    }

    public static string Where(List<string> conditions) => conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);

    public static NotSupportedException QueryableNotSupported(string entities) => new(
        $"IQueryable queries over OpenIddict {entities} are not supported by the Dapper stores: Dapper has no LINQ provider, " +
        $"and evaluating the query in memory would load the whole {entities} table, which grows with every sign-in. " +
        "Use the store's FindBy*/List(count, offset)/Count methods or dedicated SQL instead.");

    /// <summary>Keeps DbType for the text parameters explicit, as elsewhere in the persistence layer.</summary>
    public static void AddJson(this DynamicParameters parameters, string name, string? json) => parameters.Add(name, json, DbType.String);
}
