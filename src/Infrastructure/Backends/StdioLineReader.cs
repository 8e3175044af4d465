using System.Buffers;
using System.IO.Pipelines;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Splits a stdio backend's output into its lines (ADR 0044). Each byte is searched for the newline once: the start of
/// a line that a read returns again, because its newline has not come yet, is not searched again. A line longer than
/// the limit is dropped as it arrives, up to its newline, so that output without newlines cannot fill the memory; the
/// lines after it are read as before.
/// </summary>
internal sealed class StdioLineReader(PipeReader output, long maxLineBytes)
{
    /// <summary>Where the lines go.</summary>
    public interface ILines
    {
        /// <summary>A line, without its newline.</summary>
        ValueTask LineAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken);

        /// <summary>The start of a line over the limit, more than the limit, as it begins to be dropped.</summary>
        ValueTask TooLongAsync(ReadOnlySequence<byte> start, CancellationToken cancellationToken);

        /// <summary>A line over the limit has been dropped: its length.</summary>
        void Dropped(long length);
    }

    /// <summary>
    /// The longest line taken, 64 MiB: far above any answer a backend gives in practice (the gateway takes requests of
    /// 4 MiB from its clients), yet a bound on what one backend's output can hold in memory.
    /// </summary>
    public const long DefaultMaxLineBytes = 64 * 1024 * 1024;

    /// <summary>How many bytes were searched for a newline so far: each byte of the output once (for the tests).</summary>
    internal long Searched { get; private set; }

    /// <summary>
    /// Reads until the output ends: each line to <paramref name="lines"/>, the last one too when it has no newline, and
    /// of a line over the limit its start, then its length once dropped.
    /// </summary>
    public async Task ReadAsync<TLines>(TLines lines, CancellationToken cancellationToken)
        where TLines : ILines
    {
        // How much of the buffer's start was searched already, without a newline; and, while a line over the limit is
        // dropped, how much of it went.
        long searched = 0;
        long dropping = -1;
        while (true)
        {
            var read = await output.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            while (buffer.Slice(searched).PositionOf((byte)'\n') is { } end)
            {
                var line = buffer.Slice(0, end);
                Searched += line.Length + 1 - searched;
                searched = 0;
                buffer = buffer.Slice(buffer.GetPosition(1, end));
                if (dropping < 0 && line.Length > maxLineBytes)
                {
                    await lines.TooLongAsync(line, cancellationToken);
                    dropping = 0;
                }

                if (dropping >= 0)
                {
                    lines.Dropped(dropping + line.Length);
                    dropping = -1;
                    continue;
                }

                await lines.LineAsync(line, cancellationToken);
            }

            Searched += buffer.Length - searched;
            searched = buffer.Length;
            if (dropping < 0 && searched > maxLineBytes)
            {
                await lines.TooLongAsync(buffer, cancellationToken);
                dropping = 0;
            }

            if (dropping >= 0)
            {
                // Too long to keep: what came of it goes now, and the rest as it comes.
                dropping += buffer.Length;
                buffer = buffer.Slice(buffer.End);
                searched = 0;
            }

            if (read.IsCompleted)
            {
                // A last message without its newline still counts, as for a reader of lines.
                if (dropping >= 0)
                {
                    lines.Dropped(dropping);
                }
                else
                {
                    await lines.LineAsync(buffer, cancellationToken);
                }

                return;
            }

            output.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
