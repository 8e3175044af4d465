using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class StderrTailTests
{
    private static readonly Action<ILogger, string, Exception?> LogLine = LoggerMessage.Define<string>(LogLevel.Debug, default, "{Line}");

    private sealed class ThrowingProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Throwing();

        public void Dispose()
        {
        }

        private sealed class Throwing : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                throw new InvalidOperationException("The log is broken.");
        }
    }

    [Fact]
    public void ALogThatThrows_DoesNotEscapeTheStderrReader_AndTheLineIsKept()
    {
        // The handler runs on the thread that reads the process's standard error, where an exception ends the gateway.
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(new ThrowingProvider()).SetMinimumLevel(LogLevel.Debug));
        var logger = factory.CreateLogger("stderr");
        using var tail = new StderrTail(line => LogLine(logger, line, null));

        Should.NotThrow(() => tail.Add("first words"));
        Should.NotThrow(() => tail.Add("last words"));

        tail.Lines().ShouldBe(["first words", "last words"]);
    }

    [Fact]
    public async Task ALongLine_IsCutOffAsSoonAsItIsThatLong_AndTheLinesAfterItAreRead()
    {
        var logged = new List<string>();
        using var tail = new StderrTail(line =>
        {
            lock (logged)
            {
                logged.Add(line);
            }
        });
        var pipe = new Pipe();
        tail.Start(pipe.Reader.AsStream());

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(new string('x', 1024 * 1024)));
        await WaitForAsync(() => logged.Count == 1);
        await pipe.Writer.WriteAsync("\nshort\r\n\n"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        await tail.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        var cut = $"{new string('x', StderrTail.MaxLineBytes)}… (cut off: the line is longer than {StderrTail.MaxLineBytes} bytes)";
        logged.ShouldBe([cut, "short"]);
        tail.Lines().ShouldBe([cut, "short"]);
    }

    [Fact]
    public async Task ACharacterTheCutDivides_IsLeftOut()
    {
        using var tail = new StderrTail(null);
        var pipe = new Pipe();
        tail.Start(pipe.Reader.AsStream());

        // "é" is two bytes: the 8,192nd byte is the first of one.
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(new string('a', StderrTail.MaxLineBytes - 1) + new string('é', 10) + "\n"));
        await pipe.Writer.CompleteAsync();
        await tail.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        tail.Lines().ShouldBe([$"{new string('a', StderrTail.MaxLineBytes - 1)}… (cut off: the line is longer than {StderrTail.MaxLineBytes} bytes)"]);
    }

    [Fact]
    public async Task TheLastLine_IsReportedWithoutItsNewline_AndOnlyTheLastTenAreKept()
    {
        using var tail = new StderrTail(null);
        var pipe = new Pipe();
        tail.Start(pipe.Reader.AsStream());

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(1, 12).Select(i => $"line {i}"))));
        await pipe.Writer.CompleteAsync();
        await tail.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        tail.Lines().ShouldBe(Enumerable.Range(3, 10).Select(i => $"line {i}"));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
