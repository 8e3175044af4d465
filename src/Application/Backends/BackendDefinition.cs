using FluentValidation;
using FluentValidation.Results;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// The fields of a backend as the REST API takes them: the mcp.json server entry (same names, same units:
/// timeouts and delays in milliseconds). <c>disabled</c> is not one of them: enable and disable are operations.
/// </summary>
public abstract record BackendDefinition
{
    /// <summary><c>stdio</c>, <c>http</c> (or <c>streamableHttp</c>) or <c>sse</c>; inferred from command/url when absent.</summary>
    public string? Type { get; init; }
    public string? Command { get; init; }
    public IReadOnlyList<string>? Args { get; init; }
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public string? Url { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public IReadOnlyList<string>? DisabledTools { get; init; }
    public IReadOnlyDictionary<string, string>? ToolDescriptionOverrides { get; init; }
    public string? InstructionOverride { get; init; }
    public long? ConnectionTimeout { get; init; }
    public long? RequestTimeout { get; init; }
    public bool? RestartOnExit { get; init; }
    public int? MaxRestarts { get; init; }
    public long? RestartDelay { get; init; }
    public BackendOAuthDefinition? OAuth { get; init; }
}

/// <summary>The gateway's OAuth client settings toward a backend (mcp.json <c>oauth</c>).</summary>
public sealed record BackendOAuthDefinition
{
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public IReadOnlyList<string>? Scopes { get; init; }
    public string? RedirectUrl { get; init; }
}

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
