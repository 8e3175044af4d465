using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// One connection to a stdio backend's server process: newline-delimited JSON-RPC on its standard input and output.
/// The SDK client's messages go through <see cref="TransportBase"/> as with the SDK's own stdio transport; a forwarded
/// call sent directly (<see cref="DirectStdioCalls"/>) writes its request line under the same lock, and its answer is
/// taken out of the output as it is read, before any parsing into the SDK's message objects. A progress notification
/// goes to its call as it is read, so that it always reaches the call before the answer that follows it. When the
/// process ends, or the gateway ends the connection, the calls still waiting fail as the SDK client's would.
/// </summary>
internal sealed partial class StdioBackendSession : TransportBase, StdioLineReader.ILines
{
    private static readonly byte[] Whitespace = " \t\r"u8.ToArray();

    private readonly Process _process;
    private readonly Stream _input;
    private readonly PipeReader _output;
    private readonly StdioLineReader _lines;
    private readonly StderrTail _stderr;
    private readonly TimeSpan _shutdownTimeout;
    private readonly BackendProgressRoutes _progress;
    private readonly ILogger _logger;
    private readonly int? _processId;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<byte[]>> _waiting = new();
    private readonly Task _reading;

    // How many direct calls wait for their answer: while none does, a line is not looked at for one.
    private int _waitingCount;
    private int _cleanedUp;
    private volatile Exception? _closed;

    public StdioBackendSession(
        string name, Process process, StderrTail stderr, TimeSpan shutdownTimeout, BackendProgressRoutes progress, ILoggerFactory loggerFactory)
        : base(name, loggerFactory)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        _output = PipeReader.Create(process.StandardOutput.BaseStream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
        _lines = new StdioLineReader(_output, StdioLineReader.DefaultMaxLineBytes);
        _stderr = stderr;
        _shutdownTimeout = shutdownTimeout;
        _progress = progress;
        _logger = loggerFactory.CreateLogger<StdioBackendSession>();
        try
        {
            _processId = process.Id;
        }
        catch (InvalidOperationException)
        {
            // Gone already: the read below ends at once, and the exit is reported then.
        }

        SetConnected();
        _reading = Task.Run(() => ReadAsync(_shutdown.Token));
    }

    public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
        WriteLineAsync(McpJsonWriter.ToLine(message, static (json, message) => JsonSerializer.Serialize(json, message, McpJson<JsonRpcMessage>.Info)), cancellationToken);

    /// <summary>
    /// Writes one message, newline included, in one write, under the lock. A line cut off half-way would garble the next
    /// one, so a write that has begun is not stopped (only the end of the session ends it). A caller that gives up
    /// meanwhile (its timeout, its cancellation) returns at once all the same; the write goes on without it, still
    /// holding the lock, until the process takes the line or the session ends.
    /// </summary>
    public async Task WriteLineAsync(byte[] line, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        Task? writing = null;
        var release = true;
        try
        {
            writing = _input.WriteAsync(line, _shutdown.Token).AsTask();
            await writing.WaitAsync(cancellationToken);
            await _input.FlushAsync(_shutdown.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && writing is not null)
        {
            // Given up on a write the process does not take (a full pipe): the lock goes with the write, not before.
            // The input is a pipe without a buffer of its own: the line has gone once the write is done.
            release = false;
            _ = writing.ContinueWith(
                static (written, session) => ((StdioBackendSession)session!).Written(written),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The process is gone, very likely (its input is closed: it is exiting): that is the error, with its exit code
            // and its last words.
            throw await ExitedAsync(outputEnded: e is IOException) ?? new IOException("Failed to send message.", e);
        }
        finally
        {
            if (release)
            {
                _sendLock.Release();
            }
        }
    }

    /// <summary>Waits for the answer to the direct call numbered <paramref name="number"/>, until <see cref="Forget"/>.</summary>
    public Task<byte[]> Expect(long number)
    {
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[number] = answer;
        Interlocked.Increment(ref _waitingCount);
        if (_closed is { } closed)
        {
            // Closed before the call was registered: the close did not see it.
            answer.TrySetException(closed);
        }

        return answer.Task;
    }

    public void Forget(long number)
    {
        if (_waiting.TryRemove(number, out _))
        {
            Interlocked.Decrement(ref _waitingCount);
        }
    }

    // The end of a write its caller gave up on: its failure (the process gone) is nobody's to report.
    private void Written(Task written)
    {
        _ = written.Exception;
        _sendLock.Release();
    }

    public override async ValueTask DisposeAsync()
    {
        await CleanupAsync(error: null);
        try
        {
            await _reading.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The read ends with the process's output, which is closed by now; it is not waited for longer.
        }
    }

    /// <summary>Ends the process and its children, if it runs, giving it <paramref name="timeout"/> to go.</summary>
    internal static void Stop(Process process, bool started, TimeSpan timeout)
    {
        try
        {
            if (started && !HasExited(process))
            {
                // The whole tree: Node.js does not end its children when it is ended.
                process.Kill(entireProcessTree: true);
                process.WaitForExit(timeout);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It has exited meanwhile.
        }
        finally
        {
            process.Dispose();
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            await _lines.ReadAsync(this, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The session was ended.
        }
        catch (Exception e)
        {
            error = e;
            LogReadFailed(_logger, Name, e);
        }
        finally
        {
            await _output.CompleteAsync();
            await CleanupAsync(error, outputEnded: !cancellationToken.IsCancellationRequested);
        }
    }

    ValueTask StdioLineReader.ILines.LineAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken) => ReceiveAsync(line, cancellationToken);

    // An answer over the limit: its caller gets an error in its place at once, rather than its timeout, when the line's
    // start says what it answers.
    ValueTask StdioLineReader.ILines.TooLongAsync(ReadOnlySequence<byte> start, CancellationToken cancellationToken) =>
        StdioTooLongAnswer.ErrorFor(start, Name) is { } error ? ReceiveAsync(new ReadOnlySequence<byte>(error), cancellationToken) : ValueTask.CompletedTask;

    void StdioLineReader.ILines.Dropped(long length) => LogLineTooLong(_logger, Name, length, StdioLineReader.DefaultMaxLineBytes);

    // One line: the answer to a direct call goes to it, progress to its call, everything else to the SDK client.
    private ValueTask ReceiveAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken)
    {
        line = Trim(line);
        if (line.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        // A line that came in parts is copied once, and that copy is what a direct call gets.
        var copy = line.IsSingleSegment ? null : line.ToArray();
        var bytes = copy ?? line.First;
        JsonRpcMessage? message;
        try
        {
            if (Volatile.Read(ref _waitingCount) > 0
                && DirectMessages.TryReadReply(bytes, out var id, out _)
                && DirectMessages.TryReadNumber(id, out var number)
                && _waiting.TryRemove(number, out var answer))
            {
                Interlocked.Decrement(ref _waitingCount);
                answer.TrySetResult(copy ?? bytes.ToArray());
                return ValueTask.CompletedTask;
            }

            message = JsonSerializer.Deserialize(bytes.Span, McpJson<JsonRpcMessage>.Info);
        }
        catch (JsonException e)
        {
            // Not JSON-RPC (a server printing to its output by mistake): skipped, as the SDK does. Its content stays out
            // of the log; it may hold anything.
            LogNotAMessage(_logger, Name, e.Message);
            return ValueTask.CompletedTask;
        }

        if (message is null || _progress.TryRoute(message, _logger))
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(WriteMessageAsync(message, cancellationToken));
    }

    private static ReadOnlySequence<byte> Trim(ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            var whole = line.FirstSpan;
            var first = whole.IndexOfAnyExcept(Whitespace);
            return first < 0 ? ReadOnlySequence<byte>.Empty : line.Slice(first, whole.LastIndexOfAnyExcept(Whitespace) + 1 - first);
        }

        // In parts: where its first and last bytes that are not whitespace are, without a copy.
        long offset = 0;
        long start = -1;
        long end = 0;
        foreach (var segment in line)
        {
            var span = segment.Span;
            if (start < 0 && span.IndexOfAnyExcept(Whitespace) is var from and >= 0)
            {
                start = offset + from;
            }

            if (span.LastIndexOfAnyExcept(Whitespace) is var last and >= 0)
            {
                end = offset + last + 1;
            }

            offset += span.Length;
        }

        return start < 0 ? ReadOnlySequence<byte>.Empty : line.Slice(start, end - start);
    }

    // Once, whoever comes first (the end of the output, or the gateway ending the session): the process is ended, the
    // SDK client learns how (exit code, the last lines of its standard error), and direct calls still waiting fail alike.
    private async ValueTask CleanupAsync(Exception? error, bool outputEnded = false)
    {
        if (Interlocked.Exchange(ref _cleanedUp, 1) != 0)
        {
            await _shutdown.CancelAsync();
            return;
        }

        error ??= await ExitedAsync(outputEnded);
        if (error is null && !HasExited(_process))
        {
            // Ended by the gateway: as the MCP specification asks, its input is closed first, and it has the shutdown
            // timeout to exit on its own before it is ended.
            CloseInput();
        }

        await WaitForExitAsync();
        var details = new StdioClientCompletionDetails { Exception = error, ProcessId = _processId, StandardErrorTail = _stderr.Lines() is { Length: > 0 } tail ? tail : null };
        try
        {
            if (!HasExited(_process))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(_shutdownTimeout);
            }

            details.ExitCode = HasExited(_process) ? _process.ExitCode : null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            LogStopFailed(_logger, Name, e);
        }
        finally
        {
            // Whichever way it ended: the process's own Dispose leaves its input open once it was used.
            CloseInput();
            _stderr.Dispose();
            _process.Dispose();
        }

        var closed = new ClientTransportClosedException(details);
        _closed = closed;
        SetDisconnected(closed);
        foreach (var number in _waiting.Keys)
        {
            if (_waiting.TryRemove(number, out var answer))
            {
                Interlocked.Decrement(ref _waitingCount);
                answer.TrySetException(closed);
            }
        }

        await _shutdown.CancelAsync();
    }

    private void CloseInput()
    {
        try
        {
            _input.Dispose();
        }
        catch (IOException)
        {
            // Closed from the other side already.
        }
    }

    // When the process has exited on its own: the error that says so, as the SDK's, with its exit code and last words.
    // A process's pipes close as it exits, a moment before its exit can be known (longer on a busy machine): when its
    // output has ended or its input was closed (outputEnded), that moment is waited for (up to the shutdown timeout)
    // before the process is taken to run on.
    private async ValueTask<Exception?> ExitedAsync(bool outputEnded)
    {
        if (outputEnded)
        {
            await WaitForExitAsync();
        }

        if (!HasExited(_process))
        {
            return null;
        }

        await WaitForExitAsync();
        var message = "MCP server process exited unexpectedly";
        string? exitCode = null;
        try
        {
            exitCode = $" (exit code: {(uint)_process.ExitCode})";
        }
        catch (InvalidOperationException)
        {
            // Not known.
        }

        var tail = _stderr.Lines();
        return new IOException(tail.Length == 0
            ? message
            : $"{message}{exitCode}{Environment.NewLine}Server's stderr tail:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}");
    }

    // Lets the last lines of its standard error arrive before they are reported.
    private async ValueTask WaitForExitAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_shutdownTimeout);
            await _process.WaitForExitAsync(timeout.Token);
            await _stderr.Completion.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // Still running, or no longer known: it is ended next.
        }
    }

    private static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: reading its output failed")]
    private static partial void LogReadFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: a line of its output is not a JSON-RPC message, skipped: {Reason}")]
    private static partial void LogNotAMessage(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: a line of its output of {Length} bytes is longer than the {Limit} bytes taken, dropped")]
    private static partial void LogLineTooLong(ILogger logger, string server, long length, long limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: its process could not be ended")]
    private static partial void LogStopFailed(ILogger logger, string server, Exception exception);
}
