using System.Diagnostics.CodeAnalysis;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>
/// Builds and splits the names under which the gateway exposes a backend's capabilities:
/// <c>&lt;server&gt;_1mcp_&lt;name&gt;</c> for tools and prompts, and
/// <c>&lt;server&gt;_1mcp_&lt;original uri&gt;</c> for resources and resource templates. A session of
/// <c>/mcp/&lt;server&gt;</c> (<see cref="GatewaySession.OnlyBackend"/>) sees the original names instead.
/// </summary>
public static class CapabilityName
{
    /// <summary>Prefixes <paramref name="name"/> (a tool or prompt name, or a resource URI) with the server name.</summary>
    /// <exception cref="ArgumentException"><paramref name="server"/> is uninitialised or <paramref name="name"/> is empty.</exception>
    public static string Compose(ServerName server, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (server.Value is null)
        {
            throw new ArgumentException("The server name is not initialised.", nameof(server));
        }

        return string.Concat(server.Value, ServerName.Separator, name);
    }

    /// <summary>
    /// The name under which <paramref name="session"/> sees the capability <paramref name="name"/> of
    /// <paramref name="server"/>: the original name on <c>/mcp/&lt;server&gt;</c>, the prefixed one on <c>/mcp</c>.
    /// </summary>
    public static string For(GatewaySession session, ServerName server, string name)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.OnlyBackend is null ? Compose(server, name) : name;
    }

    /// <summary>
    /// Splits a prefixed name on the first <see cref="ServerName.Separator"/>. A server name can never
    /// contain the separator, so everything after the first one belongs to the capability name.
    /// </summary>
    /// <returns>
    /// False when the separator is missing, the part before it is not a valid <see cref="ServerName"/>,
    /// or nothing follows it.
    /// </returns>
    public static bool TryParse([NotNullWhen(true)] string? prefixed, out ServerName server, out string name)
    {
        server = default;
        name = string.Empty;
        if (string.IsNullOrEmpty(prefixed))
        {
            return false;
        }

        var index = prefixed.IndexOf(ServerName.Separator, StringComparison.Ordinal);
        if (index < 0)
        {
            return false;
        }

        var serverPart = prefixed[..index];
        var rest = prefixed[(index + ServerName.Separator.Length)..];
        if (rest.Length == 0 || !ServerName.TryValidate(serverPart, out _))
        {
            return false;
        }

        server = ServerName.From(serverPart);
        name = rest;
        return true;
    }
}
