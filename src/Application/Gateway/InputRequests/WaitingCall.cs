using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application.Gateway.InputRequests;

/// <summary>
/// A 2026-07-28 request whose backend call is still running while the gateway waits for the client to answer the
/// backend's questions in a retry. The call keeps running across attempts; each attempt lends it its stream for
/// progress and ends when the call completes or asks something new. A call is named (<see cref="Id"/>) only when
/// its backend first asks something: until then only its first attempt knows it, and most calls end there.
/// </summary>
internal sealed class WaitingCall : IDisposable
{
    // One for all: a faulted task of its own per call would be one more object with a finaliser per call.
    private static readonly Task<Result> NotStarted = Task.FromException<Result>(new InvalidOperationException("The call was not started."));

    private readonly Lock _gate = new();
    private readonly List<PendingQuestion> _questions = [];
    private readonly CancellationTokenSource _lifetime = new();

    // Completed when the call completes or asks something. An attempt's wait goes on on the thread that completed it:
    // that is a thread of the call's own continuation (or of the backend's question), so no hop to another thread.
    private TaskCompletionSource _changed = new();
    private IClientPeer? _stream;
    private ITimer? _answerWindow;
    private int _asked;
    private int _ended;

    /// <summary>The id a <c>requestState</c> names; null until the backend first asks something (<see cref="Name"/>).</summary>
    public string? Id { get; private set; }

    /// <summary>The backend call; faults or cancels as the call does.</summary>
    public Task<Result> Call { get; private set; } = NotStarted;

    public CancellationToken Stopping => _lifetime.Token;

    /// <summary>Names the call once its backend asks something, so that a retry can find it.</summary>
    public void Name(string id) => Id = id;

    /// <summary>True once: the caller ends the call (answered, given up, expired), nobody else does.</summary>
    public bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    public void Start(Func<CancellationToken, Task<Result>> call)
    {
        Call = call(_lifetime.Token);
        _ = Call.ContinueWith(_ => Signal(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The stream of the attempt running now, if any: progress has nowhere to go between attempts.</summary>
    public IClientPeer? Stream
    {
        get
        {
            lock (_gate)
            {
                return _stream;
            }
        }
    }

    /// <summary>Lends the call an attempt's stream; false when another retry holds it already.</summary>
    public bool TryAttach(IClientPeer stream)
    {
        lock (_gate)
        {
            if (_stream is not null)
            {
                return false;
            }

            _stream = stream;
            _answerWindow?.Dispose();
            _answerWindow = null;
            return true;
        }
    }

    public void Detach()
    {
        lock (_gate)
        {
            _stream = null;
        }
    }

    /// <summary>A backend asks the client something: it waits for a retry that answers it.</summary>
    public PendingQuestion Ask(InputRequest request)
    {
        PendingQuestion question;
        lock (_gate)
        {
            question = new PendingQuestion($"input-{++_asked}", request);
            _questions.Add(question);
        }

        Signal();
        return question;
    }

    /// <summary>
    /// Checks every answer in <paramref name="responses"/> against the question it names before handing any of
    /// them on, so a retry with one malformed answer changes nothing. Answers to questions not asked are ignored.
    /// </summary>
    public void Answer(IDictionary<string, InputResponse>? responses)
    {
        if (responses is null)
        {
            return;
        }

        List<(PendingQuestion Question, InputResponse Response)> answers = [];
        lock (_gate)
        {
            foreach (var question in _questions)
            {
                if (!question.IsAnswered && responses.TryGetValue(question.Key, out var response))
                {
                    Check(question, response);
                    answers.Add((question, response));
                }
            }

            _questions.RemoveAll(q => answers.Exists(a => ReferenceEquals(a.Question, q)));
        }

        foreach (var (question, response) in answers)
        {
            question.Answer(response);
        }
    }

    /// <summary>Waits until the call completes (null) or has questions the client has not answered yet.</summary>
    public async Task<IReadOnlyList<PendingQuestion>?> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (Call.IsCompleted)
                {
                    return null;
                }

                if (_questions.Count > 0)
                {
                    return [.. _questions];
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Starts the time the client has to retry; when it passes, <paramref name="expired"/> runs.</summary>
    public void WaitForRetry(TimeProvider time, TimeSpan window, Action expired)
    {
        lock (_gate)
        {
            _answerWindow?.Dispose();
            _answerWindow = time.CreateTimer(_ => expired(), null, window, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Ends the wait: the backend call is cancelled if it still runs, and its questions with it.</summary>
    public void Cancel()
    {
        List<PendingQuestion> open;
        lock (_gate)
        {
            open = [.. _questions];
            _questions.Clear();
            _answerWindow?.Dispose();
            _answerWindow = null;
        }

        _lifetime.Cancel();
        foreach (var question in open)
        {
            question.Abandon(_lifetime.Token);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _answerWindow?.Dispose();
            _answerWindow = null;
        }

        // The call may still be winding down after a cancel; its token source is released once it has.
        if (Call.IsCompleted)
        {
            _lifetime.Dispose();
            return;
        }

        _ = Call.ContinueWith(_ => _lifetime.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource();
        }

        previous.TrySetResult();
    }

    private static void Check(PendingQuestion question, InputResponse response)
    {
        try
        {
            object? parsed = question.Request.Method switch
            {
                RequestMethods.ElicitationCreate => response.Deserialize(InputResponse.ElicitResultJsonTypeInfo),
                RequestMethods.SamplingCreateMessage => response.Deserialize(InputResponse.CreateMessageResultJsonTypeInfo),
                _ => response.Deserialize(InputResponse.ListRootsResultJsonTypeInfo),
            };
            if (parsed is null)
            {
                throw new JsonException("The answer is null.");
            }
        }
        catch (JsonException e)
        {
            throw new McpProtocolException(
                $"inputResponses.{question.Key} is not a valid answer to the {question.Request.Method} request it names: {e.Message}",
                McpErrorCode.InvalidParams);
        }
    }
}
