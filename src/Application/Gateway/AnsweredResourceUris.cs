using ModelContextProtocol.Protocol;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>
/// The resource URIs inside a backend's answer (a tool result's resource links and embedded resources, a prompt's
/// messages), under the names a session of <c>/mcp</c> reads resources by. A client that follows a link reads it
/// through the gateway, which routes <c>&lt;server&gt;_1mcp_&lt;uri&gt;</c> only: the backend's own URI would be
/// refused as an unknown resource.
/// </summary>
internal static class AnsweredResourceUris
{
    public static void Prefix(ServerName server, IList<ContentBlock>? content)
    {
        if (content is null)
        {
            return;
        }

        // By index: no enumerator per call, and nearly every block is text that is left alone.
        for (var i = 0; i < content.Count; i++)
        {
            Prefix(server, content[i]);
        }
    }

    public static void Prefix(ServerName server, ContentBlock? block)
    {
        switch (block)
        {
            case ResourceLinkBlock link when !string.IsNullOrEmpty(link.Uri):
                link.Uri = CapabilityName.Compose(server, link.Uri);
                break;
            case EmbeddedResourceBlock { Resource: { } resource } when !string.IsNullOrEmpty(resource.Uri):
                resource.Uri = CapabilityName.Compose(server, resource.Uri);
                break;
        }
    }
}
