using System.Globalization;
using System.Text.Json;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Parses an <c>mcp.json</c> (the 1MCP / Claude Desktop format) into <see cref="BackendSettings"/>.
/// Pure: the environment is passed in, nothing is read from the process, and bad content never throws;
/// every problem becomes a <see cref="ConfigError"/> with the JSON path of the offending value.
/// This class reads the top level; <see cref="ServerEntryReader"/> reads each server entry and
/// <see cref="ServerDefinitionAssembler"/> turns it into settings.
/// </summary>
public static class McpConfigParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        // Hand-edited files (and Claude Desktop's own) commonly carry comments and trailing commas.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    private static readonly string[] TopLevelFields = ["$schema", "version", "mcpServers", "serverDefaults"];

    // 1MCP features we deliberately do not implement: accepted so a 1MCP file loads, but reported.
    private static readonly HashSet<string> IgnoredTopLevelFields =
        new(["mcpTemplates", "templateSettings", "templateContext", "app"], StringComparer.Ordinal);

    public static McpConfigParseResult Parse(string json, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(environment);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return McpConfigParseResult.Failure(JsonPath.Root, DescribeJsonError(ex));
        }

        using (document)
        {
            var diagnostics = new ConfigDiagnostics();
            try
            {
                var backends = ParseRoot(document.RootElement, environment, diagnostics);
                return new McpConfigParseResult(backends, diagnostics.Errors, diagnostics.Warnings);
            }
            catch (InvalidOperationException ex)
            {
                // The JSON reader accepts an escaped half of a surrogate pair ("\uD83D" alone); reading it as text fails.
                return McpConfigParseResult.Failure(
                    JsonPath.Root, $"The file holds a string that is not valid text (a \\uD800-\\uDFFF escape without the other half of its pair?): {ex.Message}");
            }
        }
    }

    /// <summary>Turns a <see cref="JsonException"/> into a message with 1-based line and position.</summary>
    internal static string DescribeJsonError(JsonException exception)
    {
        var message = exception.Message;
        // The reader appends zero-based "LineNumber: 0 | BytePositionInLine: 5."; users count from one.
        var marker = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (marker >= 0)
        {
            message = message[..marker];
        }

        if (exception.LineNumber is { } line && exception.BytePositionInLine is { } position)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"Invalid JSON at line {line + 1}, position {position + 1}: {message}");
        }

        return $"Invalid JSON: {message}";
    }

    private static List<BackendSettings> ParseRoot(JsonElement root, Func<string, string?> environment, ConfigDiagnostics diagnostics)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Error(JsonPath.Root, $"The configuration must be a JSON object with an 'mcpServers' property, got {ConfigJsonReader.Describe(root)}.");
            return [];
        }

        var json = new ConfigJsonReader(diagnostics);
        JsonElement? servers = null;
        JsonElement? defaults = null;
        foreach (var (name, value, path) in json.Properties(root, JsonPath.Root))
        {
            switch (name)
            {
                case "mcpServers":
                    servers = value;
                    break;
                case "serverDefaults":
                    defaults = value;
                    break;
                case "$schema":
                case "version":
                    // Editors use $schema for completion and validation, and 1MCP's schema declares a format version:
                    // neither means anything to the gateway.
                    break;
                default:
                    if (IgnoredTopLevelFields.Contains(name))
                    {
                        diagnostics.Unsupported(path, name, "feature");
                    }
                    else
                    {
                        diagnostics.UnknownField(path, name, TopLevelFields);
                    }

                    break;
            }
        }

        var reader = new ServerEntryReader(diagnostics, environment);
        var assembler = new ServerDefinitionAssembler(diagnostics, environment);
        var resolvedDefaults = defaults is { } d
            ? ParseDefaults(d, JsonPath.Property(JsonPath.Root, "serverDefaults"), reader, assembler, diagnostics)
            : ServerDefaults.None;

        var serversPath = JsonPath.Property(JsonPath.Root, "mcpServers");
        if (servers is not { } serverObject)
        {
            diagnostics.Error(serversPath, "The required property 'mcpServers' is missing.");
            return [];
        }

        if (serverObject.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Error(serversPath, $"'mcpServers' must be an object mapping server names to servers, got {ConfigJsonReader.Describe(serverObject)}.");
            return [];
        }

        return ParseServers(serverObject, serversPath, resolvedDefaults, reader, assembler, diagnostics);
    }

    private static ServerDefaults ParseDefaults(
        JsonElement element, string path, ServerEntryReader reader, ServerDefinitionAssembler assembler, ConfigDiagnostics diagnostics)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Error(path, $"'serverDefaults' must be an object, got {ConfigJsonReader.Describe(element)}.");
            return ServerDefaults.None;
        }

        return assembler.AssembleDefaults(reader.ReadDefaults(element, path));
    }

    private static List<BackendSettings> ParseServers(
        JsonElement serverObject,
        string serversPath,
        ServerDefaults defaults,
        ServerEntryReader reader,
        ServerDefinitionAssembler assembler,
        ConfigDiagnostics diagnostics)
    {
        var backends = new List<BackendSettings>();
        // Names end up in URLs and capability prefixes, where case-only differences would collide.
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in serverObject.EnumerateObject())
        {
            var path = JsonPath.Property(serversPath, entry.Name);
            var name = CheckServerName(entry.Name, path, seen, diagnostics);

            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Error(path, $"A server entry must be an object, got {ConfigJsonReader.Describe(entry.Value)}.");
                continue;
            }

            var errorsBefore = diagnostics.ErrorCount;
            var raw = reader.ReadServer(entry.Value, path);
            if (assembler.Assemble(name, raw, path, defaults) is { } backend && diagnostics.ErrorCount == errorsBefore)
            {
                backends.Add(backend);
            }
        }

        return backends;
    }

    /// <summary>The server's name, or null when it is invalid or repeats an earlier one (reported).</summary>
    private static ServerName? CheckServerName(string name, string path, Dictionary<string, string> seen, ConfigDiagnostics diagnostics)
    {
        var valid = true;
        if (seen.TryGetValue(name, out var earlier))
        {
            valid = false;
            diagnostics.Error(path, string.Equals(earlier, name, StringComparison.Ordinal)
                ? $"Server '{name}' is defined more than once."
                : $"Server name '{name}' differs from '{earlier}' only in case; server names must be unique ignoring case.");
        }
        else
        {
            seen.Add(name, name);
        }

        if (!ServerName.TryValidate(name, out var nameError))
        {
            valid = false;
            diagnostics.Error(path, nameError);
        }

        return valid ? ServerName.From(name) : null;
    }
}
