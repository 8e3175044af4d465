using FluentValidation;
using FluentValidation.Results;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets;

internal static class PresetRules
{
    public static void AddPresetNameRule<T>(this AbstractValidator<T> validator, Func<T, string?> name) =>
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            if (!Preset.IsValidName(name(command)))
            {
                context.AddFailure(new ValidationFailure("name", $"A preset name has 1 to {Preset.MaxNameLength} letters, digits, '-', '_' or '.'."));
            }
        });

    /// <summary>The expression must parse with the same grammar <c>?tag-filter=</c> uses; the message names the position.</summary>
    public static void AddExpressionRule<T>(this AbstractValidator<T> validator, Func<T, string?> expression) =>
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            var value = expression(command);
            if (string.IsNullOrWhiteSpace(value))
            {
                context.AddFailure(new ValidationFailure("expression", "A preset needs a filter expression."));
                return;
            }

            if (value.Length > Preset.MaxExpressionLength)
            {
                context.AddFailure(new ValidationFailure("expression", $"A preset expression must be at most {Preset.MaxExpressionLength} characters."));
                return;
            }

            try
            {
                TagFilter.Parse(value);
            }
            catch (TagFilterSyntaxException e)
            {
                context.AddFailure(new ValidationFailure("expression", e.Message) { CustomState = e.Position });
            }
        });

    public static void AddDescriptionRule<T>(this AbstractValidator<T> validator, Func<T, string?> description) =>
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            if (description(command) is { Length: > Preset.MaxDescriptionLength })
            {
                context.AddFailure(new ValidationFailure("description", $"A preset description must be at most {Preset.MaxDescriptionLength} characters."));
            }
        });
}
