namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// A direct call's request was accepted, but its answer never arrived: its stream ended and could not be resumed. The
/// backend may have run it, so it is never sent again (ADR 0039).
/// </summary>
internal sealed class DirectAnswerLostException(string message, Exception? innerException = null) : Exception(message, innerException);
