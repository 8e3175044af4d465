using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class StdioLineReaderTests
{
    // A process's output as a pipe gives it: at most a few bytes per read.
    private sealed class TrickleStream(byte[] content, int perRead) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, perRead)], cancellationToken);
    }

    // How much of the output a reader holds at most: the longest buffer a read gave it.
    private sealed class HeldReader(PipeReader inner) : PipeReader
    {
        public long MostHeld { get; private set; }

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(cancellationToken);
            MostHeld = Math.Max(MostHeld, read.Buffer.Length);
            return read;
        }

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }

    private sealed class Received : StdioLineReader.ILines
    {
        public List<string> Lines { get; } = [];

        public List<long> TooLong { get; } = [];

        public List<long> Dropped { get; } = [];

        public ValueTask LineAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken)
        {
            Lines.Add(Encoding.UTF8.GetString(line));
            return ValueTask.CompletedTask;
        }

        public ValueTask TooLongAsync(ReadOnlySequence<byte> start, CancellationToken cancellationToken)
        {
            TooLong.Add(start.Length);
            return ValueTask.CompletedTask;
        }

        void StdioLineReader.ILines.Dropped(long length) => Dropped.Add(length);
    }

    [Fact]
    public async Task ALongLineReadInManySmallReads_IsDeliveredWhole_AndEachByteIsSearchedOnce()
    {
        // 1 MiB in reads of 4 KiB: searching the whole line again at each read would look at about 128 MiB.
        var line = new string('x', 1024 * 1024);
        var content = Encoding.UTF8.GetBytes($"first\n{line}\nlast\n");
        var reader = new StdioLineReader(PipeReader.Create(new TrickleStream(content, 4096), new StreamPipeReaderOptions(bufferSize: 16 * 1024)), StdioLineReader.DefaultMaxLineBytes);
        var received = new Received();

        await reader.ReadAsync(received, CancellationToken.None);

        received.Lines.ShouldBe(["first", line, "last", ""]);
        received.Dropped.ShouldBeEmpty();
        reader.Searched.ShouldBe(content.Length);
    }

    [Fact]
    public async Task ALineOverTheLimit_IsDroppedAsItArrives_AndTheLinesAfterItAreRead()
    {
        // 10 MiB without a newline over a limit of 64 KiB, written 8 KiB at a time, and never more than 16 KiB ahead of
        // the reader: what the reader holds stays near the limit.
        const int limit = 64 * 1024;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16 * 1024, resumeWriterThreshold: 8 * 1024, useSynchronizationContext: false));
        var output = new HeldReader(pipe.Reader);
        var reader = new StdioLineReader(output, limit);
        var received = new Received();
        var reading = reader.ReadAsync(received, CancellationToken.None);

        await pipe.Writer.WriteAsync("{\"before\":1}\n"u8.ToArray());
        var chunk = Encoding.UTF8.GetBytes(new string('x', 8192));
        for (var i = 0; i < 10 * 128; i++)
        {
            await pipe.Writer.WriteAsync(chunk);
        }

        await pipe.Writer.WriteAsync("\n{\"after\":2}\n"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(30));

        output.MostHeld.ShouldBeLessThan(2 * limit);
        received.Lines.ShouldBe(["{\"before\":1}", "{\"after\":2}", ""]);
        received.TooLong.Count.ShouldBe(1);
        received.TooLong[0].ShouldBeGreaterThan(limit);
        received.Dropped.ShouldBe([10L * 1024 * 1024]);
    }

    [Fact]
    public async Task ALineOverTheLimitThatArrivesWhole_IsDropped()
    {
        var content = Encoding.UTF8.GetBytes($"a\n{new string('x', 100)}\nb");
        var reader = new StdioLineReader(PipeReader.Create(new MemoryStream(content)), 50);
        var received = new Received();

        await reader.ReadAsync(received, CancellationToken.None);

        received.Lines.ShouldBe(["a", "b"]);
        received.TooLong.ShouldBe([100L]);
        received.Dropped.ShouldBe([100L]);
    }
}
