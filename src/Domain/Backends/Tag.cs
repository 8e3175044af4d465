using System.Diagnostics.CodeAnalysis;
using OneMcp.Domain.Common;

namespace OneMcp.Domain.Backends;

/// <summary>
/// A backend tag. Tags are compared case-insensitively, so the value is kept in lower case.
/// </summary>
public readonly record struct Tag
{
    public const int MaxLength = 50;

    public string Value { get; }

    private Tag(string value) => Value = value;

    public static Tag From(string? value)
    {
        if (!TryParse(value, out var tag, out var error))
        {
            throw new DomainException("tag.invalid", error);
        }

        return tag;
    }

    public static bool TryParse(string? value, out Tag tag, [NotNullWhen(false)] out string? error)
    {
        tag = default;
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            error = "A tag must not be empty.";
            return false;
        }

        if (trimmed.Length > MaxLength)
        {
            error = $"A tag must be at most {MaxLength} characters.";
            return false;
        }

        foreach (var c in trimmed)
        {
            if (!IsTagChar(c))
            {
                error = $"A tag may contain only letters, digits, '_', '.' and '-'; '{trimmed}' does not.";
                return false;
            }
        }

        // A leading '-' means NOT in a tag-filter, and the operator words cannot be tags either: a tag
        // must be something every filter syntax can name.
        if (trimmed[0] == '-')
        {
            error = $"A tag must not start with '-'; '{trimmed}' does.";
            return false;
        }

        var lower = trimmed.ToLowerInvariant();
        if (lower is "and" or "or" or "not")
        {
            error = $"'{trimmed}' is a filter operator and cannot be a tag.";
            return false;
        }

        tag = new Tag(lower);
        error = null;
        return true;
    }

    public static bool IsTagChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';

    public override string ToString() => Value;
}
