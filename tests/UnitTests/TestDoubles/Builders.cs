using System.Text.Json;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>Entry point of the <see cref="BackendSettings"/> builder: <c>Backend.Named("a").Tagged("web").Build()</c>.</summary>
public static class Backend
{
    public static BackendBuilder Named(string name) => new(name);
}

public sealed class BackendBuilder(string name)
{
    private readonly List<Tag> _tags = [];
    private readonly HashSet<string> _disabledTools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _descriptions = new(StringComparer.Ordinal);
    private BackendTransport _transport = BackendTransport.Stdio;
    private bool _disabled;
    private string? _instructionOverride;

    public BackendBuilder Tagged(params string[] tags)
    {
        _tags.AddRange(tags.Select(Tag.From));
        return this;
    }

    public BackendBuilder Over(BackendTransport transport)
    {
        _transport = transport;
        return this;
    }

    public BackendBuilder Disabled()
    {
        _disabled = true;
        return this;
    }

    public BackendBuilder DisablingTools(params string[] tools)
    {
        _disabledTools.UnionWith(tools);
        return this;
    }

    public BackendBuilder DescribingTool(string tool, string description)
    {
        _descriptions[tool] = description;
        return this;
    }

    public BackendBuilder WithInstructionOverride(string? instructions)
    {
        _instructionOverride = instructions;
        return this;
    }

    public BackendSettings Build()
    {
        BackendSettings transport = _transport switch
        {
            BackendTransport.Stdio => new StdioBackendSettings { Name = ServerName.From(name), Command = "node", Args = ["server.js"] },
            BackendTransport.Sse => new SseBackendSettings { Name = ServerName.From(name), Url = new Uri($"https://{name}.example.test/mcp") },
            _ => new StreamableHttpBackendSettings { Name = ServerName.From(name), Url = new Uri($"https://{name}.example.test/mcp") },
        };
        return transport with
        {
            Tags = [.. _tags],
            Disabled = _disabled,
            DisabledTools = new HashSet<string>(_disabledTools, StringComparer.Ordinal),
            ToolDescriptionOverrides = new Dictionary<string, string>(_descriptions, StringComparer.Ordinal),
            InstructionOverride = _instructionOverride,
        };
    }
}

/// <summary>Builds <see cref="BackendCapabilities"/>: <c>Caps.New().Tools("t").Prompts("p").Build()</c>.</summary>
public sealed class Caps
{
    private readonly List<Tool> _tools = [];
    private readonly List<Resource> _resources = [];
    private readonly List<ResourceTemplate> _templates = [];
    private readonly List<Prompt> _prompts = [];
    private string? _instructions;
    private bool _completions;
    private bool _subscribe;

    private Caps()
    {
    }

    public static Caps New() => new();

    public Caps Tools(params string[] names)
    {
        _tools.AddRange(names.Select(n => Mcp.Tool(n)));
        return this;
    }

    public Caps Tools(params Tool[] tools)
    {
        _tools.AddRange(tools);
        return this;
    }

    public Caps Resources(params string[] uris)
    {
        _resources.AddRange(uris.Select(u => Mcp.Resource(u)));
        return this;
    }

    public Caps Templates(params string[] uriTemplates)
    {
        _templates.AddRange(uriTemplates.Select(u => Mcp.Template(u)));
        return this;
    }

    public Caps Prompts(params string[] names)
    {
        _prompts.AddRange(names.Select(n => Mcp.Prompt(n)));
        return this;
    }

    public Caps Instructions(string? instructions)
    {
        _instructions = instructions;
        return this;
    }

    public Caps WithCompletions()
    {
        _completions = true;
        return this;
    }

    public Caps WithSubscribe()
    {
        _subscribe = true;
        return this;
    }

    public BackendCapabilities Build() =>
        new([.. _tools], [.. _resources], [.. _templates], [.. _prompts], _instructions, _completions, _subscribe);
}

/// <summary>MCP protocol objects with just enough filled in.</summary>
public static class Mcp
{
    public static Tool Tool(string name, string? description = null) => new()
    {
        Name = name,
        Description = description ?? $"the {name} tool",
        InputSchema = JsonSerializer.SerializeToElement(new { type = "object", properties = new { q = new { type = "string" } } }),
    };

    public static Resource Resource(string uri, string? name = null) => new()
    {
        Uri = uri,
        Name = name ?? uri,
        MimeType = "text/plain",
    };

    public static ResourceTemplate Template(string uriTemplate, string? name = null) => new()
    {
        UriTemplate = uriTemplate,
        Name = name ?? uriTemplate,
    };

    public static Prompt Prompt(string name) => new()
    {
        Name = name,
        Description = $"the {name} prompt",
        Arguments = [new PromptArgument { Name = "topic", Required = true }],
    };

    public static Dictionary<string, JsonElement> Arguments(params (string Name, object Value)[] arguments) =>
        arguments.ToDictionary(a => a.Name, a => JsonSerializer.SerializeToElement(a.Value), StringComparer.Ordinal);
}

/// <summary>A clock fixed at one instant.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

public static class BackendBuilderExtensions
{
    /// <summary>A connected fake backend with these settings and capabilities.</summary>
    public static FakeBackend Connected(this BackendBuilder settings, Caps capabilities) =>
        new(settings, capabilities.Build());

    /// <summary>A fake backend in <paramref name="status"/> that still holds <paramref name="capabilities"/>.</summary>
    public static FakeBackend In(this BackendBuilder settings, BackendStatus status, Caps capabilities) =>
        new(settings, capabilities.Build(), status);
}
