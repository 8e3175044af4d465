namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// A request needed the database and it cannot be reached (see <see cref="DatabaseAvailability"/>); the host answers
/// 503 with <c>Retry-After</c>. The message speaks to the gateway's users and holds no connection details.
/// </summary>
public sealed class DatabaseUnreachableException : Exception
{
    public DatabaseUnreachableException()
        : base(DatabaseAvailability.UnavailableMessage)
    {
    }

    public DatabaseUnreachableException(string message)
        : base(message)
    {
    }

    public DatabaseUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
