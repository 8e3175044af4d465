namespace OneMcp.Infrastructure.Persistence;

/// <summary>What <see cref="PostgresDatabaseCreator.EnsureExistsAsync"/> found or did.</summary>
internal enum PostgresDatabaseCreation
{
    /// <summary>The database was there already.</summary>
    Existed,

    /// <summary>This gateway created it.</summary>
    Created,

    /// <summary>Another gateway created it between this one's check and its <c>CREATE DATABASE</c>.</summary>
    CreatedConcurrently,
}
