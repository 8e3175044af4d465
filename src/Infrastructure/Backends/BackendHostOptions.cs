using OneMcp.Infrastructure.Configuration;

namespace OneMcp.Infrastructure.Backends;

public sealed class BackendHostOptions
{
    /// <summary>The mcp.json to load and watch; null runs the gateway without a configuration file.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Listen at once and publish backends as they become ready, rather than after they all tried.</summary>
    public bool AsyncLoading { get; init; }

    /// <summary>The configuration already read (and validated) at start-up, so it is not read twice.</summary>
    public McpConfigParseResult? InitialConfiguration { get; init; }

    public McpConfigWatcherOptions Watcher { get; init; } = new();
}
