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
        var tail = new StderrTail(line => LogLine(logger, line, null));

        Should.NotThrow(() => tail.Add("first words"));
        Should.NotThrow(() => tail.Add("last words"));

        tail.Lines().ShouldBe(["first words", "last words"]);
    }

    [Fact]
    public void ALongLine_IsCutOffInTheTailAndTheLog_SayingSo()
    {
        var logged = new List<string>();
        var tail = new StderrTail(logged.Add);

        tail.Add(new string('x', 1024 * 1024));
        tail.Add("short");

        var cut = tail.Lines()[0];
        cut.Length.ShouldBeLessThan(StderrTail.MaxLineLength + 100);
        cut.ShouldStartWith(new string('x', StderrTail.MaxLineLength));
        cut.ShouldEndWith($"… ({(1024 * 1024) - StderrTail.MaxLineLength} more characters cut off)");
        logged.ShouldBe([cut, "short"]);
        tail.Lines()[1].ShouldBe("short");
    }
}
