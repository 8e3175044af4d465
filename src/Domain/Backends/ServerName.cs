using System.Diagnostics.CodeAnalysis;
using OneMcp.Domain.Common;

namespace OneMcp.Domain.Backends;

/// <summary>
/// The name of a backend. It prefixes every capability the backend exposes
/// (<c>&lt;server&gt;_1mcp_&lt;name&gt;</c>) and appears in URLs, so it is restricted to a safe alphabet.
/// </summary>
public readonly record struct ServerName
{
    public const int MaxLength = 64;
    public const string Separator = "_1mcp_";

    public string Value { get; }

    private ServerName(string value) => Value = value;

    public static ServerName From(string? value)
    {
        if (!TryValidate(value, out var error))
        {
            throw new DomainException("backend.invalid_name", error);
        }

        return new ServerName(value!);
    }

    public static bool TryValidate([NotNullWhen(true)] string? value, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrEmpty(value))
        {
            error = "A server name must not be empty.";
            return false;
        }

        if (value.Length > MaxLength)
        {
            error = $"A server name must be at most {MaxLength} characters.";
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                error = $"A server name may contain only letters, digits, '-', '_' and '.'; '{value}' does not.";
                return false;
            }
        }

        if (!char.IsAsciiLetterOrDigit(value[0]))
        {
            error = $"A server name must start with a letter or digit; '{value}' does not.";
            return false;
        }

        // Also refuse a name ending in "_1mcp": with the separator appended it would contain it, and
        // "<name>_1mcp_<tool>" would split at the wrong place. Checked without building that string: the name of every
        // forwarded call passes here.
        if (value.Contains(Separator, StringComparison.Ordinal) || value.AsSpan().EndsWith(Separator.AsSpan(0, Separator.Length - 1), StringComparison.Ordinal))
        {
            error = $"A server name must not contain '{Separator}' (nor end in '{Separator.TrimEnd('_')}'), which separates server and capability names.";
            return false;
        }

        error = null;
        return true;
    }

    public override string ToString() => Value;
}
