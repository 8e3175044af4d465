namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// A direct call's request was accepted, but its answer never arrived: its stream ended and could not be resumed. The
/// backend may have run it, so it is never sent again (ADR 0039).
/// </summary>
internal sealed class DirectAnswerLostException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>
    /// How a lost answer is told, for a direct call and a request of the SDK client's alike: the request's
    /// <paramref name="id"/>, and why its stream could not be resumed (<paramref name="why"/>), when that is known.
    /// </summary>
    public static string Describe(string id, string? why) => why is null
        ? $"The stream of request {id} ended before its answer; whether it ran is unknown, so it is not sent again."
        : $"The stream of request {id} ended before its answer and {why}; whether it ran is unknown, so it is not sent again.";
}
