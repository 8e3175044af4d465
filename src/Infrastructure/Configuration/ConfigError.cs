namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// A problem that makes a configuration file unusable. <paramref name="Path"/> is a JSON path such as
/// <c>$.mcpServers.web.args[2]</c>. Messages never contain environment, header or secret values, so they
/// are safe to log and to show on the dashboard.
/// </summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
