using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Replication;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Replication;

public sealed class ChangeFeedDispatcherTests : IDisposable
{
    private readonly ReactionsFixture _f = new();
    private readonly ReplicaIdentity _replica = new();
    private readonly RecordingLogger<ChangeFeedDispatcher> _log = new();
    private readonly ServiceProvider _services;
    private readonly ChangeFeedDispatcher _dispatcher;

    public ChangeFeedDispatcherTests()
    {
        _services = new ServiceCollection().AddScoped(_ => _f.Reactions).BuildServiceProvider();
        _dispatcher = new ChangeFeedDispatcher(_replica, _services.GetRequiredService<IServiceScopeFactory>(), _log);
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

    [Fact]
    public async Task Resynchronise_RunsEveryReaction()
    {
        await _f.StoreBackendAsync("alpha");

        (await _dispatcher.ResynchroniseAsync(CancellationToken.None)).ShouldBeTrue();

        _f.ControlPlane.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["alpha"]);
        _f.Caches.Dropped.ShouldBe(1);
    }

    private static string Payload(string origin, GatewayChangeKind kind, string? name = null) =>
        new ChangeFeedPayload(origin, new GatewayChange(kind, name)).Serialize();
}
