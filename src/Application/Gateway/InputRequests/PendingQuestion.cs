using ModelContextProtocol.Protocol;

namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>A backend's question (elicitation, sampling or roots) waiting for the client's answer in a retry.</summary>
internal sealed class PendingQuestion(string key, InputRequest request)
{
    private readonly TaskCompletionSource<InputResponse> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Key { get; } = key;

    public InputRequest Request { get; } = request;

    public Task<InputResponse> Answered => _answer.Task;

    public bool IsAnswered => _answer.Task.IsCompleted;

    public void Answer(InputResponse response) => _answer.TrySetResult(response);

    public void Abandon(CancellationToken cancelled) => _answer.TrySetCanceled(cancelled);
}
