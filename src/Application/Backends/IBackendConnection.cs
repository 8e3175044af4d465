using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// One backend as the gateway engine sees it: its settings, its state, its cached capabilities and the
/// calls that can be forwarded to it. Implemented in Infrastructure over the MCP client; faked in tests.
/// </summary>
public interface IBackendConnection
{
    ServerName Name { get; }

    /// <summary>The current settings. Metadata (tags, overrides) can change while connected.</summary>
    BackendSettings Settings { get; }

    BackendState State { get; }

    /// <summary>Empty unless <see cref="BackendState.Status"/> is <see cref="BackendStatus.Connected"/>.</summary>
    BackendCapabilities Capabilities { get; }

    /// <summary>
    /// Calls a tool (by its backend-side name). Progress the backend reports goes to
    /// <paramref name="progress"/>; cancelling <paramref name="cancellationToken"/> cancels it on the backend.
    /// </summary>
    ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken);

    ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken);

    ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken);

    ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken);

    ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken);

    ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken);
}
