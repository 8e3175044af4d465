using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// The replicas and session owners on both engines (ADR 0031): registration, heartbeats, owner lookups, the gone
/// replicas cleaned with their sessions, a replica removing itself, and one taken for gone registering again.
/// </summary>
public abstract class ReplicaStoreContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private static readonly Uri UrlA = new("http://10.0.0.1:3050/");
    private static readonly Uri UrlB = new("http://10.0.0.2:3050/");
    private readonly ManualTimeProvider _time = new(T0);

    private ReplicaStore Store => new(Factory, _time);

    [Fact]
    public async Task FindOwner_OfARecordedSession_GivesTheReplicaItsAddressAndHeartbeat()
    {
        await Store.RegisterAsync("a", UrlA, Ct);
        await Store.RecordSessionAsync("s1", "a", Ct);
        await AgeHeartbeatAsync("a", TimeSpan.FromSeconds(4));

        var owner = (await Store.FindOwnerAsync("s1", Ct)).ShouldNotBeNull();

        owner.ReplicaId.ShouldBe("a");
        owner.Url.ShouldBe(UrlA);
        (owner.ObservedAt - owner.HeartbeatAt.ShouldNotBeNull()).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(4), "read by the clock the heartbeat was written with");
        (await Store.FindOwnerAsync("nobody's", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task RemoveGone_RemovesStaleReplicasWithTheirSessions_AndKeepsTheLiveOnes()
    {
        await Store.RegisterAsync("a", UrlA, Ct);
        await Store.RegisterAsync("b", UrlB, Ct);
        await Store.RecordSessionAsync("sa", "a", Ct);
        await Store.RecordSessionAsync("sb", "b", Ct);
        await AgeHeartbeatAsync("a", TimeSpan.FromSeconds(20));
        (await Store.HeartbeatAsync("b", Ct)).ShouldBeTrue();

        (await Store.RemoveGoneAsync(TimeSpan.FromSeconds(15), Ct)).ShouldBe(1);

        (await Store.FindOwnerAsync("sa", Ct)).ShouldBeNull();
        (await Store.FindOwnerAsync("sb", Ct)).ShouldNotBeNull().ReplicaId.ShouldBe("b");
        (await Store.HeartbeatsAsync(Ct)).Heartbeats.Keys.ShouldBe(["b"]);
        (await Store.HeartbeatAsync("a", Ct)).ShouldBeFalse("a replica taken for gone finds its row missing and registers again");
    }

    [Fact]
    public async Task Remove_AnOrderlyStop_TakesTheReplicaAndItsSessionsOnly()
    {
        await Store.RegisterAsync("a", UrlA, Ct);
        await Store.RegisterAsync("b", UrlB, Ct);
        await Store.RecordSessionAsync("sa", "a", Ct);
        await Store.RecordSessionAsync("sb", "b", Ct);

        await Store.RemoveAsync("a", Ct);

        (await Db.CountAsync("replicas")).ShouldBe(1);
        (await Db.CountAsync("session_owners")).ShouldBe(1);
        (await Store.FindOwnerAsync("sb", Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task ForgetSession_OnlyWhenTheNamedReplicaStillHoldsIt()
    {
        await Store.RegisterAsync("a", UrlA, Ct);
        await Store.RecordSessionAsync("s1", "a", Ct);

        await Store.ForgetSessionAsync("s1", "b", Ct);
        (await Store.FindOwnerAsync("s1", Ct)).ShouldNotBeNull();

        await Store.ForgetSessionAsync("s1", "a", Ct);
        (await Store.FindOwnerAsync("s1", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Beat_OfAReplicaTakenForGone_RegistersItAgainWithTheSessionsItHolds()
    {
        var identity = new ReplicaIdentity();
        var options = new ReplicaOptions { Url = UrlA };
        var directory = new SessionDirectory(Store, identity, options, NullLogger<SessionDirectory>.Instance);
        var registry = new ReplicaRegistry(Store, directory, identity, options, _time, NullLogger<ReplicaRegistry>.Instance);
        await using (await directory.OwnAsync("held", Ct))
        {
            await Store.RemoveAsync(identity.Id, Ct);
            (await Store.FindOwnerAsync("held", Ct)).ShouldBeNull();

            await registry.BeatAsync(Ct);

            (await Store.FindOwnerAsync("held", Ct)).ShouldNotBeNull().Url.ShouldBe(UrlA);
        }

        (await Store.FindOwnerAsync("held", Ct)).ShouldBeNull("the session ended: its owner row goes with it");
    }

    /// <summary>Moves a replica's heartbeat back, as if it had been silent that long (by the clock the store writes with).</summary>
    protected Task AgeHeartbeatAsync(string replicaId, TimeSpan by) => Db.ExecuteAsync(
        Db.Dialect == SqlDialect.Postgres
            ? "UPDATE replicas SET heartbeat_at = heartbeat_at - make_interval(secs => @Seconds) WHERE id = @Id"
            : "UPDATE replicas SET heartbeat_at = heartbeat_at - @Micros WHERE id = @Id",
        new { Id = replicaId, Seconds = by.TotalSeconds, Micros = (long)by.TotalMicroseconds });
}
