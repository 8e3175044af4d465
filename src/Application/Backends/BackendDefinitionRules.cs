using FluentValidation;
using FluentValidation.Results;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>The validation every command carrying a <see cref="BackendDefinition"/> shares: the server name, then the mcp.json rules.</summary>
internal static class BackendDefinitionRules
{
    public const string NameField = "name";

    public static void AddServerNameRule<T>(this AbstractValidator<T> validator, Func<T, string?> name)
    {
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            if (!ServerName.TryValidate(name(command), out var error))
            {
                context.AddFailure(new ValidationFailure(NameField, error));
            }
        });
    }

    public static void AddDefinitionRule<T>(this AbstractValidator<T> validator, Func<T, string?> name, Func<T, BackendDefinition?> definition, IBackendDefinitionAssembler assembler)
    {
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            if (definition(command) is not { } fields)
            {
                context.AddFailure(new ValidationFailure("definition", "The request needs a body with the backend's definition."));
                return;
            }

            // Without a valid name the entry cannot be placed; the name rule already reported it.
            var serverName = name(command);
            if (!ServerName.TryValidate(serverName, out _))
            {
                return;
            }

            foreach (var error in assembler.Assemble(serverName, fields).Errors)
            {
                context.AddFailure(new ValidationFailure(error.Field, error.Message));
            }
        });
    }

    /// <summary>The settings of a definition the validator accepted.</summary>
    public static BackendSettings ToSettings(this IBackendDefinitionAssembler assembler, string name, BackendDefinition definition)
    {
        var result = assembler.Assemble(name, definition);
        return result.IsValid
            ? result.Settings!
            : throw new ValidationException(result.Errors.Select(e => new ValidationFailure(e.Field, e.Message)));
    }
}
