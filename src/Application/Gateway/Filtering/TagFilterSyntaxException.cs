namespace OneMcp.Application.Gateway.Filtering;

/// <summary>
/// A tag filter expression or tag list could not be parsed. <see cref="Position"/> is the 1-based
/// character position of the problem (one past the last character for "end of expression" errors);
/// the message already names it.
/// </summary>
public sealed class TagFilterSyntaxException : Exception
{
    public TagFilterSyntaxException(string message, int position)
        : base(message)
    {
        Position = position;
    }

    /// <summary>1-based character position of the error.</summary>
    public int Position { get; }
}
