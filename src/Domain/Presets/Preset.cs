using OneMcp.Domain.Common;

namespace OneMcp.Domain.Presets;

/// <summary>
/// A named tag-filter expression clients select with <c>?preset=&lt;name&gt;</c>. The domain keeps the name rules;
/// the expression's grammar belongs to the gateway engine, and a preset accepts only an expression that grammar
/// parses (<see cref="ITagFilterGrammar"/>).
/// </summary>
public sealed class Preset : EditableAggregate
{
    public const int MaxNameLength = 64;
    public const int MaxExpressionLength = 1000;
    public const int MaxDescriptionLength = 500;

    private Preset(string name, DateTimeOffset now)
        : base(Guid.NewGuid(), now)
    {
        Name = name;
        Expression = string.Empty;
        Description = string.Empty;
    }

    private Preset(Guid id, string name, string expression, string description, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt)
        : base(id, version, createdAt, updatedAt)
    {
        Name = name;
        Expression = expression;
        Description = description;
    }

    public string Name { get; }

    public string Expression { get; private set; }

    public string Description { get; private set; }

    public static Preset Create(string name, string expression, string description, ITagFilterGrammar grammar, DateTimeOffset now)
    {
        if (!IsValidName(name))
        {
            throw new DomainException("preset.invalid_name", $"A preset name has 1 to {MaxNameLength} letters, digits, '-', '_' or '.'.");
        }

        var preset = new Preset(name, now);
        preset.Set(expression, description, grammar);
        return preset;
    }

    /// <summary>Rebuilds a stored preset; only repositories call this.</summary>
    internal static Preset Restore(Guid id, string name, string expression, string description, int version, DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, name, expression, description, version, createdAt, updatedAt);

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public void Change(string expression, string description, ITagFilterGrammar grammar, DateTimeOffset now) =>
        Touch(() => Set(expression, description, grammar), now);

    private void Set(string expression, string description, ITagFilterGrammar grammar)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        if (string.IsNullOrWhiteSpace(expression) || expression.Length > MaxExpressionLength)
        {
            throw new DomainException("preset.invalid_expression", $"A preset needs a filter expression of at most {MaxExpressionLength} characters.");
        }

        if (grammar.Check(expression) is { } problem)
        {
            throw new DomainException("preset.invalid_expression", problem);
        }

        if (description.Length > MaxDescriptionLength)
        {
            throw new DomainException("preset.description_too_long", $"A preset description must be at most {MaxDescriptionLength} characters.");
        }

        Expression = expression.Trim();
        Description = description.Trim();
    }
}
