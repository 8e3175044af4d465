using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using OneMcp.Application.Gateway.InputRequests;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence.DataProtection;
using OneMcp.Infrastructure.Replication;

namespace OneMcp.UnitTests.Replication;

/// <summary>
/// How a 2026-07-28 retry finds the replica holding its waiting call: the replica id readable in front of the
/// protected <c>requestState</c> and authenticated inside it, which requests are looked into, and where they go.
/// </summary>
public sealed class MultiRoundTripRoutingTests
{
    private const string Self = "self";
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 2, 0, 0, TimeSpan.Zero);
    private static readonly SessionOwner LiveOther = new("other", new Uri("http://10.0.0.2:3050"), Now.AddSeconds(-4), Now);
    private static readonly RequestStateTicket Ticket = new("call-1", "0123456789abcdef0123456789abcdef", "alice", "digest", Now.AddMinutes(5));

    private readonly RequestStateProtector _protector = new(new EphemeralDataProtectionProvider());

    [Fact]
    public void ARequestState_CarriesTheReplicaIdInFront_AndOpensToTheSameTicket()
    {
        var state = _protector.Protect(Ticket);

        state.ShouldStartWith(Ticket.ReplicaId + ".");
        RequestStateTicket.ReplicaIdOf(state).ShouldBe(Ticket.ReplicaId);
        _protector.Unprotect(state).ShouldBe(Ticket);
    }

    [Fact]
    public void ARequestStateWhoseReplicaIdWasChanged_IsRefused()
    {
        var state = _protector.Protect(Ticket);
        var redirected = "fedcba9876543210fedcba9876543210" + state[Ticket.ReplicaId.Length..];

        RequestStateTicket.ReplicaIdOf(redirected).ShouldBe("fedcba9876543210fedcba9876543210");
        _protector.Unprotect(redirected).ShouldBeNull();
    }

    [Fact]
    public void ARequestStateWithoutAReplicaId_IsRefused()
    {
        var state = _protector.Protect(Ticket);

        RequestStateTicket.ReplicaIdOf(state[(Ticket.ReplicaId.Length + 1)..]).ShouldBeNull();
        _protector.Unprotect(state[(Ticket.ReplicaId.Length + 1)..]).ShouldBeNull();
        RequestStateTicket.ReplicaIdOf(".abc").ShouldBeNull();
        RequestStateTicket.ReplicaIdOf(null).ShouldBeNull();
    }

    [Fact]
    public void DecideRetry_AStateOfThisReplica_IsServedHere() =>
        SessionRouting.DecideRetry(Self, null, Self, StaleAfter).ShouldBe(SessionRoute.Local);

    [Fact]
    public void DecideRetry_AStateOfAnotherLiveReplica_IsRelayed() =>
        SessionRouting.DecideRetry("other", LiveOther, Self, StaleAfter).ShouldBe(SessionRoute.Relay);

    [Fact]
    public void DecideRetry_AStateOfAReplicaWithoutARow_IsGone() =>
        SessionRouting.DecideRetry("other", null, Self, StaleAfter).ShouldBe(SessionRoute.OwnerGone);

    [Fact]
    public void DecideRetry_AStateOfAReplicaWhoseHeartbeatIsStale_IsGone() =>
        SessionRouting.DecideRetry("other", LiveOther with { HeartbeatAt = Now.AddSeconds(-16) }, Self, StaleAfter).ShouldBe(SessionRoute.OwnerGone);

    [Theory]
    [InlineData("POST", "/mcp", "tools/call", 100L, true)]
    [InlineData("POST", "/mcp/beta", "prompts/get", 100L, true)]
    [InlineData("POST", "/mcp", "resources/read", null, true)]
    [InlineData("POST", "/mcp", "tools/list", 100L, false)]
    [InlineData("POST", "/mcp", null, 100L, false)]
    [InlineData("GET", "/mcp", "tools/call", null, false)]
    [InlineData("POST", "/api/servers", "tools/call", 100L, false)]
    [InlineData("POST", "/mcp", "tools/call", 0L, false)]
    [InlineData("POST", "/mcp", "tools/call", SessionRelay.MaxRetryBytes + 1L, false)]
    public void MayBeRetry_OnlyTheThreeMethodsWithASmallBody_AreLookedInto(string method, string path, string? mcpMethod, long? length, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.ContentLength = length;
        if (mcpMethod is not null)
        {
            context.Request.Headers["Mcp-Method"] = mcpMethod;
        }

        SessionRelay.MayBeRetry(context.Request).ShouldBe(expected);
    }
}
