using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.Backends;

public sealed class BackendProgressRoutesTests
{
    private sealed class Recorder : IProgress<ProgressNotificationValue>
    {
        public List<float> Values { get; } = [];

        public void Report(ProgressNotificationValue value) => Values.Add(value.Progress);
    }

    [Fact]
    public void Report_GoesToTheCallThatOwnsTheToken_Only()
    {
        var routes = new BackendProgressRoutes();
        var first = new Recorder();
        var second = new Recorder();
        var firstToken = routes.Add(first);
        var secondToken = routes.Add(second);

        routes.Report(Progress(firstToken, 0.5f));
        routes.Report(Progress(secondToken, 0.25f));
        routes.Report(Progress(firstToken, 1f));

        firstToken.ShouldNotBe(secondToken);
        first.Values.ShouldBe([0.5f, 1f]);
        second.Values.ShouldBe([0.25f]);
    }

    [Fact]
    public void Report_AfterTheCallEndedOrForAnUnknownToken_IsDropped()
    {
        var routes = new BackendProgressRoutes();
        var recorder = new Recorder();
        var token = routes.Add(recorder);
        routes.Remove(token);

        routes.Report(Progress(token, 0.5f));
        routes.Report(Progress("unknown", 0.5f));

        recorder.Values.ShouldBeEmpty();
    }

    private static ProgressNotificationParams Progress(string token, float progress) =>
        new() { ProgressToken = new ProgressToken(token), Progress = new ProgressNotificationValue { Progress = progress } };
}
