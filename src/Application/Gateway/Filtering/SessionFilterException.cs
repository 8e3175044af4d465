namespace OneMcp.Application.Gateway.Filtering;

/// <summary>
/// The <c>tags</c> / <c>tag-filter</c> / <c>preset</c> query parameters of a session are unusable.
/// The message is meant for the client (JSON-RPC error -32602 / HTTP 400).
/// </summary>
public sealed class SessionFilterException : Exception
{
    public SessionFilterException(string message)
        : base(message)
    {
    }

    public SessionFilterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
