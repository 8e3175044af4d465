using System.Text;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>The server instructions a session is given at initialize (and in server/discover).</summary>
public sealed partial class GatewayEngine
{
    /// <summary>The initialize instructions for a session: the instructions of every backend it can see.</summary>
    public string BuildInstructions(GatewaySession session)
    {
        if (session.OnlyBackend is { } only)
        {
            // /mcp/<server> stands in for the backend itself: its own instructions, under its own names.
            var backend = VisibleBackends(session).FirstOrDefault();
            var own = backend is null ? null : InstructionsOf(session, backend);
            return string.IsNullOrWhiteSpace(own)
                ? $"OneMcp gateway serving the MCP server {only.Value} under its original names."
                : own.Trim();
        }

        var visible = VisibleBackends(session).ToList();
        var text = new StringBuilder();
        text.Append("OneMcp gateway in front of ").Append(visible.Count).Append(visible.Count == 1 ? " MCP server" : " MCP servers");
        if (visible.Count > 0)
        {
            text.Append(": ").AppendJoin(", ", visible.Select(b => b.Name.Value));
        }

        text.Append(". Tools and prompts are named <server>").Append(ServerName.Separator)
            .Append("<name>; resource URIs are prefixed the same way.");

        foreach (var backend in visible)
        {
            var instructions = InstructionsOf(session, backend);
            if (string.IsNullOrWhiteSpace(instructions))
            {
                continue;
            }

            text.Append("\n\n<").Append(backend.Name.Value).Append(">\n")
                .Append(instructions.Trim())
                .Append("\n</").Append(backend.Name.Value).Append('>');
        }

        return text.ToString();
    }

    /// <summary>
    /// A backend's instructions for a session: the operator's override, else the server's own text, which for a
    /// per-user backend is the caller's running connection's (none while it is not running). A server may write its
    /// user's name or workspace into it, so one user's is never shown to another (ADR 0033).
    /// </summary>
    private string? InstructionsOf(GatewaySession session, IBackendConnection backend) =>
        backend.Settings.InstructionOverride ?? _connections.AccountListsOf(session, backend)?.Capabilities.Instructions;
}
