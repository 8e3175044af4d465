using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Support;

/// <summary>Builds mcp.json files whose backends are instances of the in-repo test server.</summary>
internal sealed class ConfigBuilder
{
    private readonly JsonObject _servers = [];

    public static JsonObject StdioTestServer(string name, string[]? tags = null, params string[] extraArgs)
    {
        var args = new JsonArray(TestPaths.TestServerDll, "--name", name);
        foreach (var arg in extraArgs)
        {
            args.Add(arg);
        }

        var entry = new JsonObject { ["command"] = "dotnet", ["args"] = args };
        if (tags is not null)
        {
            entry["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]);
        }

        return entry;
    }

    public static JsonObject HttpServer(string url, string[]? tags = null, string type = "http")
    {
        var entry = new JsonObject { ["type"] = type, ["url"] = url };
        if (tags is not null)
        {
            entry["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]);
        }

        return entry;
    }

    public ConfigBuilder Add(string name, JsonObject entry)
    {
        _servers[name] = entry;
        return this;
    }

    public ConfigBuilder Remove(string name)
    {
        _servers.Remove(name);
        return this;
    }

    public JsonObject this[string name] => (JsonObject)_servers[name]!;

    public string ToJson() => new JsonObject { ["mcpServers"] = _servers.DeepClone() }.ToJsonString();
}
