namespace OneMcp.Domain.Common;

/// <summary>
/// An aggregate refused an operation because it would break one of its rules.
/// <see cref="Code"/> is stable: the API maps it to an error response and tests match on it.
/// </summary>
public sealed class DomainException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
