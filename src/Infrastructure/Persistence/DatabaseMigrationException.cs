namespace OneMcp.Infrastructure.Persistence;

/// <summary>The schema could not be brought up to date; nothing of the failed script was kept.</summary>
public sealed class DatabaseMigrationException(string message, Exception? innerException = null) : Exception(message, innerException);
