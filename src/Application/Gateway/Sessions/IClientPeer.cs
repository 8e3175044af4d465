using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace OneMcp.Application.Gateway.Sessions;

/// <summary>The MCP client at the other end of a gateway session (implemented over the SDK's server session).</summary>
public interface IClientPeer
{
    bool SupportsSampling { get; }

    bool SupportsElicitation { get; }

    bool SupportsRoots { get; }

    /// <summary>
    /// True when the gateway itself may send this client to a URL and wait for it to come back (URL-mode
    /// elicitation); only a 2026-07-28 client that declared it, answering through a retry (MRTR), is asked.
    /// </summary>
    bool SupportsUrlElicitation => false;

    Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken);

    ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken);

    ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken);

    ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken);
}
