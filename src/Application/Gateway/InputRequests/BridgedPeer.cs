using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>
/// The client of a 2026-07-28 request as the backend sees it. The backend's sampling, elicitation and roots
/// requests become questions of the waiting call, which the client answers in a retry (MRTR); progress and
/// log messages go to the stream of the attempt running at the time.
/// </summary>
internal sealed class BridgedPeer(WaitingCall call, ClientCapabilities? capabilities) : IClientPeer
{
    public bool SupportsSampling => capabilities?.Sampling is not null;

    public bool SupportsElicitation => capabilities?.Elicitation is not null;

    public bool SupportsRoots => capabilities?.Roots is not null;

    public bool SupportsUrlElicitation => capabilities?.Elicitation?.Url is not null;

    public Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken) =>
        call.Stream?.SendNotificationAsync(method, parameters, cancellationToken) ?? Task.CompletedTask;

    public async ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken)
    {
        var answer = await AskAsync(InputRequest.ForSampling(request), cancellationToken);
        return answer.Deserialize(InputResponse.CreateMessageResultJsonTypeInfo)!;
    }

    public async ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken)
    {
        var answer = await AskAsync(InputRequest.ForElicitation(request), cancellationToken);
        return answer.Deserialize(InputResponse.ElicitResultJsonTypeInfo)!;
    }

    public async ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken)
    {
        var answer = await AskAsync(InputRequest.ForRootsList(request), cancellationToken);
        return answer.Deserialize(InputResponse.ListRootsResultJsonTypeInfo)!;
    }

    // A question ends with its answer, with the backend's own cancellation, or with the wait (WaitingCall.Cancel).
    private Task<InputResponse> AskAsync(InputRequest request, CancellationToken cancellationToken) =>
        call.Ask(request).Answered.WaitAsync(cancellationToken);
}
