using System.Text.Json.Nodes;
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

    /// <summary>
    /// The entry as it would be written in mcp.json. Absent and empty collections are left out, so a form that
    /// always sends every field does not trip the "has no effect on this type" rule.
    /// </summary>
    public JsonObject ToConfigEntry()
    {
        var entry = new JsonObject();
        Add(entry, "type", Type);
        Add(entry, "command", Command);
        AddList(entry, "args", Args);
        Add(entry, "cwd", Cwd);
        AddMap(entry, "env", Env);
        Add(entry, "url", Url);
        AddMap(entry, "headers", Headers);
        AddList(entry, "tags", Tags);
        AddList(entry, "disabledTools", DisabledTools);
        AddMap(entry, "toolDescriptionOverrides", ToolDescriptionOverrides);
        Add(entry, "instructionOverride", InstructionOverride);
        AddNumber(entry, "connectionTimeout", ConnectionTimeout);
        AddNumber(entry, "requestTimeout", RequestTimeout);
        if (RestartOnExit is { } restart)
        {
            entry["restartOnExit"] = restart;
        }

        AddNumber(entry, "maxRestarts", MaxRestarts);
        AddNumber(entry, "restartDelay", RestartDelay);
        if (OAuth is { } oauth)
        {
            var node = new JsonObject();
            Add(node, "clientId", oauth.ClientId);
            Add(node, "clientSecret", oauth.ClientSecret);
            AddList(node, "scopes", oauth.Scopes);
            Add(node, "redirectUrl", oauth.RedirectUrl);
            entry["oauth"] = node;
        }

        return entry;
    }

    private static void Add(JsonObject entry, string field, string? value)
    {
        if (value is not null)
        {
            entry[field] = value;
        }
    }

    private static void AddNumber(JsonObject entry, string field, long? value)
    {
        if (value is { } number)
        {
            entry[field] = number;
        }
    }

    private static void AddList(JsonObject entry, string field, IReadOnlyList<string>? values)
    {
        if (values is { Count: > 0 })
        {
            entry[field] = new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
        }
    }

    private static void AddMap(JsonObject entry, string field, IReadOnlyDictionary<string, string>? values)
    {
        if (values is { Count: > 0 })
        {
            var node = new JsonObject();
            foreach (var (key, value) in values)
            {
                node[key] = value;
            }

            entry[field] = node;
        }
    }
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

    public static void AddDefinitionRule<T>(this AbstractValidator<T> validator, Func<T, string?> name, Func<T, BackendDefinition?> definition, IBackendDefinitionParser parser)
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

            foreach (var error in parser.Parse(serverName, fields.ToConfigEntry()).Errors)
            {
                context.AddFailure(new ValidationFailure(error.Field, error.Message));
            }
        });
    }

    /// <summary>The settings of a definition the validator accepted.</summary>
    public static BackendSettings ToSettings(this IBackendDefinitionParser parser, string name, BackendDefinition definition)
    {
        var result = parser.Parse(name, definition.ToConfigEntry());
        return result.IsValid
            ? result.Settings!
            : throw new ValidationException(result.Errors.Select(e => new ValidationFailure(e.Field, e.Message)));
    }
}
