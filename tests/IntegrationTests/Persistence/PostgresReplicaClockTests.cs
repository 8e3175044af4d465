using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// Replicas on machines whose clocks disagree: heartbeats are written and judged by PostgreSQL's clock, so a replica
/// whose clock is behind is neither removed with its sessions nor taken for gone by one whose clock is ahead.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresReplicaClockTests(PostgresFixture pg) : RepositoryContract(pg.DatabaseFor<PostgresReplicaClockTests>())
{
    private static readonly TimeSpan StaleAfter = new ReplicaOptions { Url = new Uri("http://10.0.0.1:3050/") }.StaleAfter;
    private static readonly Uri UrlBehind = new("http://10.0.0.2:3050/");

    [Fact]
    public async Task RemoveGone_WhenTheCleaningReplicasClockIsAMinuteAheadOfAnother_KeepsTheOtherAndItsSessions()
    {
        var behind = new ReplicaStore(Factory, new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-1)));
        var ahead = new ReplicaStore(Factory, new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1)));
        await behind.RegisterAsync("behind", UrlBehind, Ct);
        await behind.RecordSessionAsync("held", "behind", Ct);
        (await behind.HeartbeatAsync("behind", Ct)).ShouldBeTrue();

        (await ahead.RemoveGoneAsync(StaleAfter, Ct)).ShouldBe(0, "a replica that just beat is alive, whatever its clock says");

        (await ahead.HeartbeatsAsync(Ct)).Heartbeats.Keys.ShouldBe(["behind"]);
        var owner = (await ahead.FindOwnerAsync("held", Ct)).ShouldNotBeNull();
        SessionRouting.Decide(false, false, owner, "ahead", StaleAfter).ShouldBe(SessionRoute.Relay, "its session is relayed to it, not answered 404");
    }

    [Fact]
    public async Task FindOwner_WhenTheOwnersClockIsAMinuteAheadOfTheReader_StillJudgesAGoneOwnerGone()
    {
        var owner = new ReplicaStore(Factory, new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1)));
        var reader = new ReplicaStore(Factory, new ManualTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-1)));
        await owner.RegisterAsync("owner", UrlBehind, Ct);
        await owner.RecordSessionAsync("held", "owner", Ct);
        await Db.ExecuteAsync("UPDATE replicas SET heartbeat_at = heartbeat_at - interval '20 seconds'");

        var found = (await reader.FindOwnerAsync("held", Ct)).ShouldNotBeNull();

        SessionRouting.Decide(false, false, found, "reader", StaleAfter).ShouldBe(SessionRoute.OwnerGone, "silent for 20 s by the one clock both use");
        (await reader.RemoveGoneAsync(StaleAfter, Ct)).ShouldBe(1);
    }
}
