using System.Data;
using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Explicit per-dialect conversions between CLR values and columns. Deliberately not Dapper type handlers: those
/// are process-global, and a SQLite conversion registered there breaks PostgreSQL in the same process.
/// <list type="bullet">
/// <item>Guid: SQLite lower-case text (Microsoft.Data.Sqlite would bind upper case), PostgreSQL uuid.</item>
/// <item>DateTimeOffset: truncated to whole microseconds (timestamptz precision) and stored as UTC:
/// SQLite INTEGER unix microseconds, PostgreSQL timestamptz. Reads return offset zero.</item>
/// <item>bool: SQLite 0/1, PostgreSQL boolean.</item>
/// </list>
/// </summary>
internal static class DbValues
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The instant as stored: whole microseconds, UTC.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - Modulo(ticks, 10), TimeSpan.Zero);
    }

    public static object Id(SqlDialect dialect, Guid id) => dialect == SqlDialect.Sqlite ? id.ToString("D") : id;

    public static Guid ReadId(object value) => value switch
    {
        Guid g => g,
        string s => Guid.Parse(s, CultureInfo.InvariantCulture),
        _ => throw new InvalidCastException($"Cannot read a GUID from {value.GetType().Name}."),
    };

    public static object Time(SqlDialect dialect, DateTimeOffset value)
    {
        var stored = ToStoredPrecision(value);
        return dialect == SqlDialect.Sqlite ? (stored.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 : stored;
    }

    public static DateTimeOffset ReadTime(object value) => value switch
    {
        long micros => DateTimeOffset.UnixEpoch.AddTicks(micros * 10),
        DateTime { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc, TimeSpan.Zero),
        DateTime other => new DateTimeOffset(DateTime.SpecifyKind(other, DateTimeKind.Utc), TimeSpan.Zero),
        DateTimeOffset dto => dto.ToUniversalTime(),
        _ => throw new InvalidCastException($"Cannot read a timestamp from {value.GetType().Name}."),
    };

    public static DateTimeOffset? ReadNullableTime(object? value) => value is null or DBNull ? null : ReadTime(value);

    public static bool ReadBool(object value) => value switch
    {
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        _ => throw new InvalidCastException($"Cannot read a boolean from {value.GetType().Name}."),
    };

    public static int ReadInt(object value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    public static void AddId(this DynamicParameters parameters, SqlDialect dialect, string name, Guid id) =>
        parameters.Add(name, Id(dialect, id), dialect == SqlDialect.Sqlite ? DbType.String : DbType.Guid);

    public static void AddTime(this DynamicParameters parameters, SqlDialect dialect, string name, DateTimeOffset? value) =>
        parameters.Add(name, value is { } v ? Time(dialect, v) : null, dialect == SqlDialect.Sqlite ? DbType.Int64 : DbType.DateTimeOffset);

    /// <summary>
    /// <paramref name="value"/> as both engines can store and compare it: a NUL character (which PostgreSQL's text
    /// refuses, failing the whole statement) and half of a surrogate pair (which is no UTF-8) become U+FFFD. Text that
    /// came from outside and is recorded as it came (the audit log's names) goes through this; the same instance is
    /// returned when there is nothing to replace.
    /// </summary>
    public static string? StorableText(string? value)
    {
        if (value is null || (value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0 && !value.Contains('\0', StringComparison.Ordinal)))
        {
            return value;
        }

        return string.Create(value.Length, value, static (storable, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                if (char.IsHighSurrogate(c) && i + 1 < source.Length && char.IsLowSurrogate(source[i + 1]))
                {
                    storable[i] = c;
                    storable[++i] = source[i];
                }
                else
                {
                    storable[i] = c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c;
                }
            }
        });
    }

    public static void AddText(this DynamicParameters parameters, string name, string? value) =>
        parameters.Add(name, value, DbType.String);

    public static void AddInt(this DynamicParameters parameters, string name, int value) =>
        parameters.Add(name, value, DbType.Int32);

    public static void AddBool(this DynamicParameters parameters, string name, bool value) =>
        parameters.Add(name, value, DbType.Boolean);

    /// <summary>SQL for a JSON parameter: jsonb needs an explicit cast from the text Dapper sends.</summary>
    public static string JsonParam(SqlDialect dialect, string name) => dialect == SqlDialect.Postgres ? $"CAST(@{name} AS jsonb)" : "@" + name;

    /// <summary>ORDER BY expression that sorts the same on both engines (byte order, not the server's locale).</summary>
    public static string OrderByBinary(SqlDialect dialect, string column) => dialect == SqlDialect.Postgres ? column + " COLLATE \"C\"" : column;

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T FromJson<T>(string json) => JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException("Unexpected JSON null.");

    /// <summary>A unique constraint refused the row (SQLite 2067/1555 under error 19, PostgreSQL 23505).</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 } => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        _ => false,
    };

    private static long Modulo(long value, long divisor)
    {
        var r = value % divisor;
        return r < 0 ? r + divisor : r;
    }
}
