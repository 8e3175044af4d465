using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Replication;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Replication;

public sealed class ChangeFeedDispatcherTests : IDisposable
{
    private readonly ReactionsFixture _f = new();
    private readonly ReplicaIdentity _replica = new();
    private readonly RecordingLogger<ChangeFeedDispatcher> _log = new();
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services;
    private readonly ChangeFeedDispatcher _dispatcher;

    public ChangeFeedDispatcherTests()
    {
        _services = new ServiceCollection().AddScoped(_ => _f.Reactions).BuildServiceProvider();
        _dispatcher = new ChangeFeedDispatcher(_replica, _services.GetRequiredService<IServiceScopeFactory>(), _time, _log);
    }

    public void Dispose()
    {
        _services.Dispose();
        _f.Dispose();
    }

    [Fact]
    public async Task Dispatch_AChangeFromAnotherReplica_IsApplied()
    {
        await _f.StoreBackendAsync("alpha");

        (await _dispatcher.DispatchAsync(Payload("other", GatewayChangeKind.Backends), CancellationToken.None)).ShouldBeTrue();

        _f.ControlPlane.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["alpha"]);
    }

    [Fact]
    public async Task Dispatch_ThisReplicasOwnChange_IsSkipped()
    {
        (await _dispatcher.DispatchAsync(Payload(_replica.Id, GatewayChangeKind.Backends), CancellationToken.None)).ShouldBeFalse();

        _f.ControlPlane.Runtime.Applies.ShouldBe(0);
        _log.Entries.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("garbage from someone else's NOTIFY")]
    [InlineData("""{"origin":"other","kind":"everything"}""")]
    [InlineData("")]
    public async Task Dispatch_APayloadThatIsNotAChange_IsLoggedAndIgnored(string payload)
    {
        (await _dispatcher.DispatchAsync(payload, CancellationToken.None)).ShouldBeFalse();

        _f.ControlPlane.Runtime.Applies.ShouldBe(0);
        _log.Entries.ShouldHaveSingleItem().Level.ShouldBe(LogLevel.Warning);
    }

    [Fact]
    public async Task Dispatch_WhenTheReactionFails_LogsItAndTheNextChangeIsStillApplied()
    {
        _f.OAuth.Failure = new InvalidOperationException("store unreachable");

        (await _dispatcher.DispatchAsync(Payload("other", GatewayChangeKind.BackendCredentials, "alpha"), CancellationToken.None)).ShouldBeFalse();
        (await _dispatcher.DispatchAsync(Payload("other", GatewayChangeKind.Users, "bob"), CancellationToken.None)).ShouldBeTrue();

        var failure = _log.Entries.ShouldHaveSingleItem();
        failure.Level.ShouldBe(LogLevel.Error);
        failure.Exception.ShouldBe(_f.OAuth.Failure);
        _f.Caches.Dropped.ShouldBe(1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Follow_AReactionThatFails_IsRepairedByAFullResynchronisation_TriedAgainUntilOneSucceeds(bool cancelledInside)
    {
        var feed = Channel.CreateUnbounded<string?>();
        using var stopping = new CancellationTokenSource();
        var following = _dispatcher.FollowAsync(feed, stopping.Token);
        // Removed elsewhere meanwhile: only a resynchronisation brings the pool to it.
        await _f.StoreBackendAsync("alpha");
        _f.OAuth.Failure = cancelledInside ? new OperationCanceledException("a timeout inside the reaction") : new InvalidOperationException("store unreachable");

        feed.Writer.TryWrite(Payload("other", GatewayChangeKind.BackendCredentials, "alpha"));
        await WaitUntilAsync(() => Scheduled() == 1);
        _time.Advance(ChangeFeedDispatcher.FirstRepairDelay);
        await WaitUntilAsync(() => Scheduled() == 2);
        _f.ControlPlane.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["alpha"], "the failed repair got as far as the pool");
        _f.OAuth.Reloaded.ShouldBeEmpty();

        _f.OAuth.Failure = null;
        _time.Advance(ChangeFeedDispatcher.FirstRepairDelay * 2);
        await WaitUntilAsync(() => _f.OAuth.Reloaded.Count == 1);

        _f.OAuth.Reloaded.ShouldBe(["alpha"]);
        _log.Entries.Count(e => e.Level == LogLevel.Error).ShouldBe(2);
        following.IsCompleted.ShouldBeFalse("a reaction's own cancellation does not end following the feed");
        feed.Writer.TryComplete();
        await following;
    }

    [Fact]
    public async Task Resynchronise_RunsEveryReaction()
    {
        await _f.StoreBackendAsync("alpha");

        (await _dispatcher.ResynchroniseAsync(CancellationToken.None)).ShouldBeTrue();

        _f.ControlPlane.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["alpha"]);
        _f.Caches.Dropped.ShouldBe(1);
    }

    private int Scheduled() => _log.Entries.Count(e => e.Level == LogLevel.Information && e.Message.StartsWith("Resynchronising", StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 10)
        {
            waited.ShouldBeLessThan(10_000, "the condition never held");
            await Task.Delay(10);
        }
    }

    private static string Payload(string origin, GatewayChangeKind kind, string? name = null) =>
        new ChangeFeedPayload(origin, new GatewayChange(kind, name)).Serialize();
}
