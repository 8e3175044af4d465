using System.Text.Json.Nodes;
using OneMcp.Application.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Validates a backend definition from the REST API by running it through <see cref="McpConfigParser"/> as the
/// one entry of an mcp.json, so both surfaces share every rule. Differences, on purpose: strings are taken
/// literally (a REST caller must not read the gateway's environment through <c>${VAR}</c>), and what the file
/// only warns about (a field with no effect on the transport) is an error, because an API caller has no log to read.
/// </summary>
public sealed class BackendDefinitionParser : IBackendDefinitionParser
{
    private const string WholeEntry = "definition";

    public BackendDefinitionResult Parse(string name, JsonObject entry)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(entry);

        var literal = Escape(entry.DeepClone());
        var file = new JsonObject { ["mcpServers"] = new JsonObject { [name] = literal } };
        var result = McpConfigParser.Parse(file.ToJsonString(), _ => null);

        var prefix = JsonPath.Property(JsonPath.Property(JsonPath.Root, "mcpServers"), name);
        var errors = result.Errors.Select(e => new BackendDefinitionError(Field(e.Path, prefix), e.Message))
            .Concat(result.Warnings.Select(w => new BackendDefinitionError(Field(w.Path, prefix), w.Message)))
            .ToList();
        return new BackendDefinitionResult(errors.Count == 0 ? result.Backends.Single() : null, errors);
    }

    private static string Field(string path, string prefix)
    {
        if (path.Length > prefix.Length && path.StartsWith(prefix, StringComparison.Ordinal))
        {
            var rest = path[prefix.Length..];
            return rest[0] == '.' ? rest[1..] : rest;
        }

        return WholeEntry;
    }

    // "${" becomes "$${", which the substitution turns back into "${": the value arrives exactly as sent.
    private static JsonNode? Escape(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    obj[key] = Escape(value?.DeepClone());
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Escape(array[i]?.DeepClone());
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text):
                return JsonValue.Create(text.Replace("${", "$${", StringComparison.Ordinal));
            default:
                return node;
        }
    }
}
