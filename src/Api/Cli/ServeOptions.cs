using OneMcp.Infrastructure.Configuration;

namespace OneMcp.Api.Cli;

/// <summary>The resolved settings of <c>onemcp serve</c> (flag, then ONEMCP_* variable, then default).</summary>
public sealed record ServeOptions
{
    public const int DefaultPort = 3050;
    public const string DefaultHost = "127.0.0.1";

    public string? ConfigPath { get; init; }
    public McpConfigParseResult? Configuration { get; init; }
    public int Port { get; init; } = DefaultPort;
    public string Host { get; init; } = DefaultHost;
    public Uri? ExternalUrl { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    public bool AsyncLoading { get; init; }

    /// <summary>The largest request body accepted on the MCP endpoints.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Debounce of configuration file changes.</summary>
    public TimeSpan ConfigReloadDebounce { get; init; } = McpConfigWatcherOptions.DefaultDebounce;

    /// <summary>The URL clients use; the bind address unless <see cref="ExternalUrl"/> says otherwise.</summary>
    public Uri PublicUrl => ExternalUrl ?? new Uri($"http://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}");
}
