using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace OneMcp.Application.Gateway.Sessions;

/// <summary>The MCP client at the other end of a gateway session (implemented over the SDK's server session).</summary>
public interface IClientPeer
{
    bool SupportsSampling { get; }

    bool SupportsElicitation { get; }

    bool SupportsRoots { get; }

    Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken);

    ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken);

    ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken);

    ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken);
}
