using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace OneMcp.Application.Gateway;

/// <summary>
/// Checks the parameters of the requests whose malformed fields would otherwise fail deep in deserialization
/// (an internal error): the client gets an invalid-params error (-32602) naming the field instead.
/// </summary>
public static class RequestParamsCheck
{
    private static readonly string[] Levels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
    private static readonly string[] ReferenceTypes = ["ref/prompt", "ref/resource"];

    /// <summary>Null when <paramref name="parameters"/> are well-formed for <paramref name="method"/>, else what is wrong.</summary>
    public static string? Problem(string method, JsonNode? parameters) => method switch
    {
        RequestMethods.ToolsCall => NotAnObject(method, parameters) ?? ToolsCall(parameters),
        RequestMethods.ResourcesRead => NotAnObject(method, parameters) ?? ResourcesRead(parameters),
        RequestMethods.PromptsGet => NotAnObject(method, parameters) ?? PromptsGet(parameters),
        RequestMethods.CompletionComplete => NotAnObject(method, parameters) ?? Complete(parameters),
        RequestMethods.LoggingSetLevel => NotAnObject(method, parameters) ?? SetLevel(parameters),
        RequestMethods.ToolsList or RequestMethods.ResourcesList or RequestMethods.ResourcesTemplatesList or RequestMethods.PromptsList =>
            NotAnObject(method, parameters) ?? Cursor(method, parameters),
        RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe => NotAnObject(method, parameters) ?? Uri(method, parameters),
        _ => null,
    };

    /// <summary>Throws an invalid-params <see cref="McpProtocolException"/> when the parameters are malformed.</summary>
    public static void Enforce(string method, JsonNode? parameters)
    {
        if (Problem(method, parameters) is { } problem)
        {
            throw new McpProtocolException(problem, McpErrorCode.InvalidParams);
        }
    }

    private static string? ToolsCall(JsonNode? parameters)
    {
        if (parameters is not JsonObject p)
        {
            return null;
        }

        if (p["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
        {
            return "tools/call: 'name' must be a string.";
        }

        if (p["arguments"] is { } arguments && arguments is not JsonObject)
        {
            return "tools/call: 'arguments' must be an object.";
        }

        return MetaProblem(RequestMethods.ToolsCall, p);
    }

    private static string? ResourcesRead(JsonNode? parameters)
    {
        if (parameters is not JsonObject p)
        {
            return null;
        }

        return IsString(p["uri"]) ? MetaProblem(RequestMethods.ResourcesRead, p) : "resources/read: 'uri' must be a string.";
    }

    // A cursor of another type failed the SDK's typed read as an internal error; the gateway refuses any cursor anyway.
    private static string? Cursor(string method, JsonNode? parameters)
    {
        if (parameters is not JsonObject p)
        {
            return null;
        }

        return p["cursor"] is { } cursor && !IsString(cursor) ? $"{method}: 'cursor' must be a string." : MetaProblem(method, p);
    }

    private static string? Uri(string method, JsonNode? parameters)
    {
        if (parameters is not JsonObject p)
        {
            return null;
        }

        return IsString(p["uri"]) ? MetaProblem(method, p) : $"{method}: 'uri' must be a string.";
    }

    private static string? PromptsGet(JsonNode? parameters)
    {
        if (parameters is not JsonObject p)
        {
            return null;
        }

        if (!IsString(p["name"]))
        {
            return "prompts/get: 'name' must be a string.";
        }

        if (p["arguments"] is { } arguments && arguments is not JsonObject)
        {
            return "prompts/get: 'arguments' must be an object.";
        }

        return MetaProblem(RequestMethods.PromptsGet, p);
    }

    // Present, params must be an object: an array or a string would fail the SDK's typed read as an internal error.
    private static string? NotAnObject(string method, JsonNode? parameters) =>
        parameters is null or JsonObject ? null : $"{method}: 'params' must be an object.";

    private static string? MetaProblem(string method, JsonObject parameters) =>
        parameters["_meta"] is { } meta && meta is not JsonObject ? $"{method}: '_meta' must be an object." : null;

    private static bool IsString(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String;

    private static string? Complete(JsonNode? parameters)
    {
        if (parameters is not JsonObject p)
        {
            return null;
        }

        if (p["ref"] is not JsonObject reference)
        {
            return "completion/complete: 'ref' must be an object.";
        }

        var type = reference["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        if (type is null || !ReferenceTypes.Contains(type, StringComparer.Ordinal))
        {
            return "completion/complete: 'ref.type' must be 'ref/prompt' or 'ref/resource'.";
        }

        if (type == ReferenceTypes[0] ? !IsString(reference["name"]) : !IsString(reference["uri"]))
        {
            return type == ReferenceTypes[0] ? "completion/complete: 'ref.name' must be a string." : "completion/complete: 'ref.uri' must be a string.";
        }

        if (p["argument"] is not JsonObject argument || !IsString(argument["name"]) || !IsString(argument["value"]))
        {
            return "completion/complete: 'argument' must be an object with a string 'name' and a string 'value'.";
        }

        if (p["context"] is { } context && context is not JsonObject)
        {
            return "completion/complete: 'context' must be an object.";
        }

        return MetaProblem(RequestMethods.CompletionComplete, p);
    }

    private static string? SetLevel(JsonNode? parameters)
    {
        if (parameters is not JsonObject p)
        {
            return null;
        }

        var level = p["level"] is JsonValue l && l.GetValueKind() == JsonValueKind.String ? l.GetValue<string>() : null;
        return level is null || !Levels.Contains(level, StringComparer.Ordinal)
            ? $"logging/setLevel: 'level' must be one of {string.Join(", ", Levels)}."
            : null;
    }
}
