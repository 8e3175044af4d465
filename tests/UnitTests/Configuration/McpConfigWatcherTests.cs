using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Infrastructure.Configuration;

namespace OneMcp.UnitTests.Configuration;

public sealed class McpConfigWatcherTests : IDisposable
{
    // Generous: only reached when something is broken, never on the happy path.
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(20);

    private readonly TempConfigDirectory _directory = new();
    private readonly Channel<McpConfigParseResult> _delivered = Channel.CreateUnbounded<McpConfigParseResult>();

    public void Dispose() => _directory.Dispose();

    private McpConfigWatcher CreateWatcher(
        McpConfigWatcherOptions options,
        TimeProvider? time = null,
        Func<McpConfigParseResult, CancellationToken, Task>? onChanged = null,
        ILogger<McpConfigWatcher>? logger = null) =>
        new(
            _directory.FilePath,
            onChanged ?? ((result, ct) => _delivered.Writer.WriteAsync(result, ct).AsTask()),
            logger ?? NullLogger<McpConfigWatcher>.Instance,
            new McpConfigFile(name => name == "TOKEN" ? "sup3r-s3cret" : null),
            time,
            options);

    private async Task<McpConfigParseResult> NextDeliveryAsync()
    {
        using var timeout = new CancellationTokenSource(DeliveryTimeout);
        try
        {
            return await _delivered.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No configuration was delivered within {DeliveryTimeout}.");
        }
    }

    private async Task<string> NextServerNameAsync()
    {
        var result = await NextDeliveryAsync();
        result.Errors.ShouldBeEmpty();
        return result.Backends.ShouldHaveSingleItem().Name.Value;
    }

    private static McpConfigWatcherOptions EventsOnly(TimeSpan debounce) =>
        new() { Debounce = debounce, PollInterval = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task Watcher_WhenFileIsRewrittenTwiceQuickly_DeliversOnceWithLastContent()
    {
        _directory.WriteServer("initial");
        await using var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(300)));
        watcher.Start();

        _directory.WriteServer("first");
        _directory.WriteServer("second");
        var delivered = await NextServerNameAsync();
        // A later, distinct edit: had the burst produced a second callback, it would arrive before this one.
        _directory.WriteServer("marker");
        var next = await NextServerNameAsync();

        delivered.ShouldBe("second");
        next.ShouldBe("marker");
    }

    [Fact]
    public async Task Watcher_WhenEditorReplacesFileByRename_DeliversNewContent()
    {
        _directory.WriteServer("initial");
        await using var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(200)));
        watcher.Start();

        _directory.ReplaceByRename(TempConfigDirectory.ConfigWithServer("renamed"));

        (await NextServerNameAsync()).ShouldBe("renamed");
    }

    [Fact]
    public async Task Watcher_WhenEditIsInvalid_DeliversInvalidResult()
    {
        _directory.WriteServer("initial");
        await using var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(200)));
        watcher.Start();

        _directory.Write("""{ "mcpServers": { "s": { "command": "run", """);

        var result = await NextDeliveryAsync();
        result.IsValid.ShouldBeFalse();
        result.Errors.ShouldHaveSingleItem().Path.ShouldBe("$");
    }

    [Fact]
    public async Task Watcher_WhenEditBreaksValidation_DeliversErrorsWithPaths()
    {
        _directory.WriteServer("initial");
        await using var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(200)));
        watcher.Start();

        _directory.Write("""{ "mcpServers": { "s": { "type": "http" } } }""");

        (await NextDeliveryAsync()).Errors.ShouldHaveSingleItem().Path.ShouldBe("$.mcpServers.s.url");
    }

    [Fact]
    public async Task Watcher_WhenFileIsDeletedAndRecreated_DeliversBoth()
    {
        _directory.WriteServer("initial");
        await using var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(200)));
        watcher.Start();

        File.Delete(_directory.FilePath);
        var deleted = await NextDeliveryAsync();
        _directory.WriteServer("recreated");

        deleted.Errors.ShouldHaveSingleItem().Message.ShouldContain("does not exist");
        (await NextServerNameAsync()).ShouldBe("recreated");
    }

    [Fact]
    public async Task Watcher_WhenEventsAreUnavailable_PollingFindsTheChange()
    {
        _directory.WriteServer("initial");
        var time = new ManualTimeProvider();
        await using var watcher = CreateWatcher(
            new McpConfigWatcherOptions { UseFileSystemEvents = false, PollInterval = TimeSpan.FromSeconds(2), Debounce = TimeSpan.FromMilliseconds(500) },
            time);
        watcher.Start();

        _directory.WriteServer("polled-change");
        time.Advance(TimeSpan.FromSeconds(2));
        time.PendingTimerCount.ShouldBe(2); // the poll armed the debounce timer
        time.Advance(TimeSpan.FromMilliseconds(500));

        (await NextServerNameAsync()).ShouldBe("polled-change");
    }

    [Fact]
    public async Task Watcher_OfAConfigMapMountedFile_PollingFindsTheUpdate()
    {
        // Kubernetes' layout: mcp.json -> ..data/mcp.json, ..data -> ..<timestamp>/, and an update swaps ..data.
        // Before, polling compared the link's own time and length, which never change.
        var root = _directory.Directory;
        void WriteVersion(string version, string server)
        {
            Directory.CreateDirectory(Path.Combine(root, version));
            File.WriteAllText(Path.Combine(root, version, "mcp.json"), TempConfigDirectory.ConfigWithServer(server));
        }

        WriteVersion("..v1", "initial");
        Directory.CreateSymbolicLink(Path.Combine(root, "..data"), "..v1");
        File.CreateSymbolicLink(_directory.FilePath, Path.Combine("..data", "mcp.json"));
        var time = new ManualTimeProvider();
        await using var watcher = CreateWatcher(
            new McpConfigWatcherOptions { UseFileSystemEvents = false, PollInterval = TimeSpan.FromSeconds(2), Debounce = TimeSpan.FromMilliseconds(500) },
            time);
        watcher.Start();

        WriteVersion("..v2", "updated-server");
        Directory.Delete(Path.Combine(root, "..data"));
        Directory.CreateSymbolicLink(Path.Combine(root, "..data"), "..v2");
        time.Advance(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromMilliseconds(500));

        (await NextServerNameAsync()).ShouldBe("updated-server");
    }

    [Fact]
    public async Task Watcher_WhenNothingChanges_PollingDeliversNothing()
    {
        _directory.WriteServer("initial");
        var time = new ManualTimeProvider();
        await using var watcher = CreateWatcher(
            new McpConfigWatcherOptions { UseFileSystemEvents = false, PollInterval = TimeSpan.FromSeconds(2) },
            time);
        watcher.Start();

        // A poll that sees a change arms the debounce timer synchronously; only the poll timer stays armed.
        for (var poll = 0; poll < 5; poll++)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            time.PendingTimerCount.ShouldBe(1);
        }

        _delivered.Reader.TryRead(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Watcher_WhenChangesArriveDuringCallback_NeverOverlapsAndCoalescesThem()
    {
        _directory.WriteServer("initial");
        var time = new ManualTimeProvider();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var maxRunning = 0;
        var isFirst = true;
        await using var watcher = CreateWatcher(
            EventsOnly(TimeSpan.FromMilliseconds(500)),
            time,
            async (result, ct) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref maxRunning, now);
                await _delivered.Writer.WriteAsync(result, ct);
                if (isFirst)
                {
                    isFirst = false;
                    await release.Task;
                }

                Interlocked.Decrement(ref running);
            });
        watcher.Start();

        _directory.WriteServer("one");
        await time.WaitForPendingTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(500));
        (await NextServerNameAsync()).ShouldBe("one");

        // The first callback is still running: these debounce expiries must only be remembered.
        _directory.WriteServer("two");
        await time.WaitForPendingTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(500));
        _directory.WriteServer("three");
        await time.WaitForPendingTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(500));
        release.SetResult();

        (await NextServerNameAsync()).ShouldBe("three");
        _directory.WriteServer("four");
        await time.WaitForPendingTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(500));
        (await NextServerNameAsync()).ShouldBe("four");
        maxRunning.ShouldBe(1);
    }

    [Fact]
    public async Task Watcher_WhenCallbackThrows_KeepsWatching()
    {
        _directory.WriteServer("initial");
        var calls = 0;
        await using var watcher = CreateWatcher(
            EventsOnly(TimeSpan.FromMilliseconds(200)),
            onChanged: async (result, ct) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("apply failed");
                }

                await _delivered.Writer.WriteAsync(result, ct);
            });
        watcher.Start();

        _directory.WriteServer("fails");
        await WaitUntilAsync(() => Volatile.Read(ref calls) >= 1);
        _directory.WriteServer("after-failure");

        // Only that watching goes on matters here, so any repeat of the failed content is skipped.
        while (await NextServerNameAsync() != "after-failure")
        {
        }
    }

    // Polling drives the reloads on a manual clock: only the watcher's own retry can make a second call.
    private static McpConfigWatcherOptions Polled() =>
        new() { UseFileSystemEvents = false, PollInterval = TimeSpan.FromSeconds(2), Debounce = TimeSpan.FromMilliseconds(500) };

    [Fact]
    public async Task Watcher_WhenApplyingFails_ReadsAndAppliesTheFileAgainWithoutAnEdit()
    {
        _directory.WriteServer("initial");
        var time = new ManualTimeProvider();
        var calls = 0;
        await using var watcher = CreateWatcher(
            Polled(),
            time,
            async (result, ct) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("database unreachable");
                }

                await _delivered.Writer.WriteAsync(result, ct);
            });
        watcher.Start();

        _directory.WriteServer("edited");
        time.Advance(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromMilliseconds(500));
        await WaitUntilAsync(() => Volatile.Read(ref calls) == 1 && time.PendingTimerCount == 2); // the poll and the retry
        time.Advance(McpConfigWatcherOptions.DefaultRetryDelay);

        (await NextServerNameAsync()).ShouldBe("edited");
        Volatile.Read(ref calls).ShouldBe(2);
    }

    [Fact]
    public async Task Watcher_WhenApplyingKeepsFailing_WaitsTwiceAsLongEachTimeAndAnEditStartsOver()
    {
        _directory.WriteServer("initial");
        var time = new ManualTimeProvider();
        var logger = new RecordingLogger();
        var calls = 0;
        var options = new McpConfigWatcherOptions
        {
            UseFileSystemEvents = false,
            PollInterval = TimeSpan.FromSeconds(2),
            Debounce = TimeSpan.FromMilliseconds(500),
            RetryDelay = TimeSpan.FromSeconds(10),
        };
        await using var watcher = CreateWatcher(options, time, (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("database unreachable");
        }, logger);
        watcher.Start();
        async Task FailedAsync(int call) => await WaitUntilAsync(() => Volatile.Read(ref calls) == call && time.PendingTimerCount == 2);

        _directory.WriteServer("edited");
        time.Advance(TimeSpan.FromMilliseconds(2500));
        await FailedAsync(1);
        time.Advance(TimeSpan.FromSeconds(10));
        await FailedAsync(2);
        time.Advance(TimeSpan.FromSeconds(19));
        Volatile.Read(ref calls).ShouldBe(2, "the second retry waits 20 s");
        time.Advance(TimeSpan.FromSeconds(1));
        await FailedAsync(3);
        time.Advance(TimeSpan.FromSeconds(30));
        await FailedAsync(4);
        _directory.WriteServer("edited again");
        time.Advance(TimeSpan.FromMilliseconds(2500));
        await FailedAsync(5);

        var waits = logger.Lines
            .Where(line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("applying it again", StringComparison.Ordinal))
            .Select(line => Regex.Match(line, @"RetryDelay=(\S+)").Groups[1].Value);
        waits.ShouldBe(["00:00:10", "00:00:20", "00:00:30", "00:00:30", "00:00:10"], "10 s doubling up to 30 s; an edit starts over");
    }

    [Fact]
    public async Task Watcher_WhenDisposedWithARetryPending_NeverCallsAgain()
    {
        _directory.WriteServer("initial");
        var time = new ManualTimeProvider();
        var calls = 0;
        var watcher = CreateWatcher(Polled(), time, (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("database unreachable");
        });
        watcher.Start();
        _directory.WriteServer("edited");
        time.Advance(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromMilliseconds(500));
        await WaitUntilAsync(() => Volatile.Read(ref calls) == 1 && time.PendingTimerCount == 2);

        await watcher.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(5));

        time.PendingTimerCount.ShouldBe(0);
        Volatile.Read(ref calls).ShouldBe(1);
    }

    [Fact]
    public async Task Watcher_WhenReloading_NeverLogsSecretValues()
    {
        _directory.WriteServer("initial");
        var logger = new RecordingLogger();
        await using var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(200)), logger: logger);
        watcher.Start();

        _directory.Write("""
            { "mcpServers": {
                "s": { "command": "run", "env": { "API": "${TOKEN}" } },
                "r": { "url": "http://r/mcp", "headers": { "Authorization": "Bearer literal-header-secret" },
                       "oauth": { "clientSecret": "literal-oauth-secret" } } } }
            """);
        var result = await NextDeliveryAsync();

        result.IsValid.ShouldBeTrue();
        logger.Lines.ShouldNotBeEmpty();
        logger.Lines.ShouldAllBe(line => !line.Contains("sup3r-s3cret") && !line.Contains("literal-header-secret") && !line.Contains("literal-oauth-secret"));
    }

    [Fact]
    public async Task Start_WhenCalledTwice_Throws()
    {
        _directory.WriteServer("initial");
        await using var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(200)));
        watcher.Start();

        Should.Throw<InvalidOperationException>(watcher.Start);
    }

    [Fact]
    public async Task Start_WhenDisposed_ThrowsObjectDisposed()
    {
        var watcher = CreateWatcher(EventsOnly(TimeSpan.FromMilliseconds(200)));
        await watcher.DisposeAsync();

        Should.Throw<ObjectDisposedException>(watcher.Start);
    }

    [Fact]
    public async Task Start_WhenDirectoryDoesNotExist_FallsBackToPolling()
    {
        var missing = Path.Combine(_directory.Directory, "not-yet", "mcp.json");
        var logger = new RecordingLogger();
        await using var watcher = new McpConfigWatcher(missing, (_, _) => Task.CompletedTask, logger, options: EventsOnly(TimeSpan.FromMilliseconds(200)));

        watcher.Start();

        logger.Lines.ShouldContain(line => line.Contains("relying on polling"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(DeliveryTimeout);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class RecordingLogger : ILogger<McpConfigWatcher>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            _lines.Enqueue($"{logLevel} {formatter(state, exception)} {values} {exception}");
        }
    }
}
