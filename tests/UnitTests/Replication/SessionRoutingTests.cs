using OneMcp.Application.Replication;

namespace OneMcp.UnitTests.Replication;

/// <summary>Where a request for a legacy session goes: here, to its owner, or to the SDK's unknown-session answer.</summary>
public sealed class SessionRoutingTests
{
    private const string Self = "self";
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 2, 0, 0, TimeSpan.Zero);
    private static readonly SessionOwner LiveOther = new("other", new Uri("http://10.0.0.2:3050"), Now.AddSeconds(-4), Now);

    [Fact]
    public void Decide_ASessionOfThisProcess_IsServedHere() =>
        SessionRouting.Decide(isLocal: true, cameOverHop: false, LiveOther, Self, StaleAfter).ShouldBe(SessionRoute.Local);

    [Fact]
    public void Decide_AHop_IsNeverRelayedAgain() =>
        SessionRouting.Decide(isLocal: false, cameOverHop: true, LiveOther, Self, StaleAfter).ShouldBe(SessionRoute.Local);

    [Fact]
    public void Decide_ASessionAnotherLiveReplicaHolds_IsRelayed() =>
        SessionRouting.Decide(false, false, LiveOther, Self, StaleAfter).ShouldBe(SessionRoute.Relay);

    [Fact]
    public void Decide_ASessionNobodyHolds_IsUnknown() =>
        SessionRouting.Decide(false, false, null, Self, StaleAfter).ShouldBe(SessionRoute.Unknown);

    [Fact]
    public void Decide_ASessionRecordedAsOursThatEnded_IsUnknown() =>
        SessionRouting.Decide(false, false, LiveOther with { ReplicaId = Self }, Self, StaleAfter).ShouldBe(SessionRoute.Unknown);

    [Fact]
    public void Decide_AnOwnerWhoseHeartbeatWasStaleWhenRead_IsGone() =>
        SessionRouting.Decide(false, false, LiveOther with { HeartbeatAt = Now.AddSeconds(-16) }, Self, StaleAfter).ShouldBe(SessionRoute.OwnerGone);

    [Fact]
    public void Decide_AnOwnerWithoutAReplicaRow_IsGone() =>
        SessionRouting.Decide(false, false, LiveOther with { Url = null, HeartbeatAt = null }, Self, StaleAfter).ShouldBe(SessionRoute.OwnerGone);

    [Fact]
    public void Decide_AnOwnerLastReadAliveLongAgo_IsStillRelayedTo()
    {
        // The database has been unreachable since: the last reading is what is known, and it said alive.
        var readLongAgo = LiveOther with { HeartbeatAt = Now.AddMinutes(-10).AddSeconds(-4), ObservedAt = Now.AddMinutes(-10) };

        SessionRouting.Decide(false, false, readLongAgo, Self, StaleAfter).ShouldBe(SessionRoute.Relay);
    }
}
