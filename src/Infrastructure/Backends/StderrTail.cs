using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// A server process's standard error, read by the gateway itself: each line to the gateway's handler (its log), the last
/// ten kept for the error its exit causes. A line longer than <see cref="MaxLineBytes"/> is cut off there, saying so, as
/// soon as it is that long; the rest of it is dropped as it arrives (<see cref="StdioLineReader"/>). The runtime's own
/// line reader would hold a whole line in memory until its newline came, so a backend writing output without newlines to
/// its standard error could fill the gateway's memory.
/// </summary>
internal sealed class StderrTail(Action<string>? lines) : StdioLineReader.ILines, IDisposable
{
    /// <summary>The longest line kept or handed on, in bytes of the backend's output (UTF-8).</summary>
    internal const int MaxLineBytes = 8 * 1024;

    private const int Kept = 10;
    private readonly Queue<string> _tail = new(Kept);
    private readonly CancellationTokenSource _stop = new();

    private int _disposed;

    /// <summary>Ends when the standard error has ended (or could no longer be read, or the reading was stopped).</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts reading <paramref name="standardError"/> until it ends.</summary>
    public void Start(Stream standardError)
    {
        ArgumentNullException.ThrowIfNull(standardError);
        Completion = Task.Run(() => ReadAsync(PipeReader.Create(standardError, new StreamPipeReaderOptions(bufferSize: 4096))));
    }

    /// <summary>Stops reading: the process is gone or being ended, and what it still writes is not wanted.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    public string[] Lines()
    {
        lock (_tail)
        {
            return [.. _tail];
        }
    }

    ValueTask StdioLineReader.ILines.LineAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken)
    {
        // Blank lines say nothing (and the output's end hands on an empty last one).
        var text = line.IsEmpty ? string.Empty : Encoding.UTF8.GetString(line).TrimEnd('\r');
        if (text.Length > 0)
        {
            Add(text);
        }

        return ValueTask.CompletedTask;
    }

    ValueTask StdioLineReader.ILines.TooLongAsync(ReadOnlySequence<byte> start, CancellationToken cancellationToken)
    {
        Span<byte> kept = stackalloc byte[MaxLineBytes];
        start.Slice(0, MaxLineBytes).CopyTo(kept);
        // Not flushed: a character whose bytes the cut divides is left out rather than shown as a replacement character.
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[MaxLineBytes];
        var count = decoder.GetChars(kept, chars, flush: false);
        Add($"{chars.AsSpan(0, count)}… (cut off: the line is longer than {MaxLineBytes} bytes)");
        return ValueTask.CompletedTask;
    }

    void StdioLineReader.ILines.Dropped(long length)
    {
        // Said when the line began to be cut.
    }

    internal void Add(string data)
    {
        lock (_tail)
        {
            if (_tail.Count == Kept)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(data);
        }

        try
        {
            lines?.Invoke(data);
        }
        catch (Exception)
        {
            // The handler (the gateway's log) failed. The line is in the tail all the same, and the reading goes on.
        }
    }

    private async Task ReadAsync(PipeReader reader)
    {
        try
        {
            await new StdioLineReader(reader, MaxLineBytes).ReadAsync(this, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Stopped, or the pipe went with the process: nothing more to read.
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }
}
