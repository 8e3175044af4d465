namespace OneMcp.Infrastructure.Settings;

/// <summary>Where the gateway keeps its data: PostgreSQL when a connection string is given, else SQLite in the folder.</summary>
public sealed record StorageOptions(string? ConnectionString, string DataDirectory)
{
    // The connection string may hold a password.
    public override string ToString() => ConnectionString is null ? $"SQLite in {DataDirectory}" : "PostgreSQL";
}
