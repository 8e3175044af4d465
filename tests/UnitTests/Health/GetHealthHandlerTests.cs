using OneMcp.Application.Backends;
using OneMcp.Application.Health.Queries;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Health;

public sealed class GetHealthHandlerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static Task<HealthReport> CheckAsync(FakePool pool) =>
        new GetHealthHandler(pool, new FixedTimeProvider(Now)).Handle(new GetHealthQuery(), CancellationToken.None);

    private static FakePool PoolOf(string statuses, bool loaded = true)
    {
        var pool = new FakePool { InitialLoadCompleted = loaded };
        var index = 0;
        foreach (var status in statuses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            pool.Add(new FakeBackend(Backend.Named($"b{index++}"), Caps.New().Build(), Enum.Parse<BackendStatus>(status)));
        }

        return pool;
    }

    [Theory]
    [InlineData("", true, HealthStatus.Healthy, true)]
    [InlineData("Connected", true, HealthStatus.Healthy, true)]
    [InlineData("Connected,Connected", true, HealthStatus.Healthy, true)]
    [InlineData("Connected,Disabled", true, HealthStatus.Healthy, true)]
    [InlineData("Disabled", true, HealthStatus.Healthy, true)]
    [InlineData("Connected,Error", true, HealthStatus.Degraded, true)]
    [InlineData("Connected,AwaitingOAuth", true, HealthStatus.Degraded, true)]
    [InlineData("Connected,Connecting", true, HealthStatus.Degraded, true)]
    [InlineData("Connected,Disconnected", true, HealthStatus.Degraded, true)]
    [InlineData("Connected,Restarting", true, HealthStatus.Degraded, false)]
    [InlineData("Connected,CrashLoop", true, HealthStatus.Degraded, false)]
    [InlineData("Error", true, HealthStatus.Unhealthy, true)]
    [InlineData("Error,AwaitingOAuth,Disabled", true, HealthStatus.Unhealthy, true)]
    [InlineData("CrashLoop", true, HealthStatus.Unhealthy, false)]
    [InlineData("Restarting,Disabled", true, HealthStatus.Unhealthy, false)]
    [InlineData("", false, HealthStatus.Unhealthy, false)]
    [InlineData("Connected", false, HealthStatus.Unhealthy, false)]
    [InlineData("Connected,Connecting", false, HealthStatus.Unhealthy, false)]
    public async Task Handle_WhenBackendsInStates_ReportsStatusAndReadiness(string statuses, bool loaded, HealthStatus expected, bool ready)
    {
        var report = await CheckAsync(PoolOf(statuses, loaded));

        report.Status.ShouldBe(expected);
        report.Ready.ShouldBe(ready);
    }

    [Fact]
    public async Task Handle_WhenCalled_DescribesEveryBackendIncludingDisabledOnes()
    {
        var connectedAt = Now.AddMinutes(-5);
        var web = new FakeBackend(
            Backend.Named("web").Tagged("web", "Public").Over(BackendTransport.StreamableHttp),
            Caps.New().Tools("a", "b").Build())
        {
            State = new BackendState(BackendStatus.Connected, null, connectedAt, 2),
        };
        var off = new FakeBackend(Backend.Named("off").Disabled(), Caps.New().Build(), BackendStatus.Disabled);
        var broken = new FakeBackend(Backend.Named("broken"), Caps.New().Build())
        {
            State = new BackendState(BackendStatus.Error, "connection refused", null, 0),
        };

        var report = await CheckAsync(new FakePool(web, off, broken));

        report.Version.ShouldBe(GetHealthHandler.Version);
        report.CheckedAt.ShouldBe(Now);
        report.Backends.Select(b => b.Name).ShouldBe(["broken", "off", "web"]);
        var webHealth = report.Backends[2];
        webHealth.Transport.ShouldBe("StreamableHttp");
        webHealth.Status.ShouldBe("Connected");
        webHealth.Error.ShouldBeNull();
        webHealth.LastConnectedAt.ShouldBe(connectedAt);
        webHealth.Restarts.ShouldBe(2);
        webHealth.Tools.ShouldBe(2);
        webHealth.Tags.ShouldBe(["web", "public"]);
        report.Backends[0].Status.ShouldBe("Error");
        report.Backends[0].Error.ShouldBe("connection refused");
        report.Backends[1].Status.ShouldBe("Disabled");
        report.Backends[1].Transport.ShouldBe("Stdio");
    }
}
