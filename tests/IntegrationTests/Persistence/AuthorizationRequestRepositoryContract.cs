using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

public abstract class AuthorizationRequestRepositoryContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private const string Payload = "{ \"redirect_uri\": \"http://127.0.0.1:1234/cb\",  \"state\": \"ü\" }";

    private AuthorizationRequestRepository Repository => new(Factory);

    [Fact]
    public async Task Add_ThenFind_RoundTripsAPendingClientRequest()
    {
        var request = AuthorizationRequest.ForClient("ada", "client-" + NonAscii, "Claude " + NonAscii, ["tag:web", "tag:api", "tag:web"], Payload, T0);
        await Repository.AddAsync(request, Ct);

        var loaded = (await Repository.FindAsync(request.Id, Ct)).ShouldNotBeNull().ShouldBeOfType<ClientConsentRequest>();

        loaded.Id.ShouldBe(request.Id);
        loaded.Kind.ShouldBe(AuthorizationRequestKind.ClientConsent);
        loaded.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        loaded.Subject.ShouldBe("ada");
        loaded.ClientId.ShouldBe("client-" + NonAscii);
        loaded.ClientName.ShouldBe("Claude " + NonAscii);
        loaded.RequestedScopes.ShouldBe(["tag:web", "tag:api"]);
        loaded.GrantedScopes.ShouldBeEmpty();
        loaded.ParametersDigest.ShouldBe(Payload);
        loaded.Version.ShouldBe(1);
        ShouldBeStored(loaded.CreatedAt, T0);
        ShouldBeStored(loaded.ExpiresAt, T0 + AuthorizationRequest.Lifetime);
        loaded.DecidedAt.ShouldBeNull();
        loaded.DecidedBy.ShouldBeNull();
    }

    [Fact]
    public async Task Add_ThenFind_RoundTripsWhereAClientRequestReturns()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Claude", ["tag:prod"], Payload, T0, redirectUri: "https://xn--bcher-kva.example/cb?a=" + NonAscii);
        var backend = AuthorizationRequest.ForBackend("ops", "github", [], "", T0);
        await Repository.AddAsync(request, Ct);
        await Repository.AddAsync(backend, Ct);

        (await Repository.FindAsync(request.Id, Ct)).ShouldBeOfType<ClientConsentRequest>().RedirectUri.ShouldBe("https://xn--bcher-kva.example/cb?a=" + NonAscii);
        (await Repository.ListPendingAsync(T0, Ct)).OfType<ClientConsentRequest>().Single().RedirectUri.ShouldBe(request.RedirectUri);
        (await Repository.FindAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Update_Approve_RoundTripsTheDecision()
    {
        var request = AuthorizationRequest.ForBackend("ops", "github", ["repo", "user:email"], "", T0);
        await Repository.AddAsync(request, Ct);
        var loaded = (await Repository.FindAsync(request.Id, Ct)).ShouldBeOfType<BackendConnectionRequest>();
        loaded.BackendName.ShouldBe("github");
        loaded.ProtectedTokens.ShouldBe("");
        loaded.Kind.ShouldBe(AuthorizationRequestKind.BackendConnection);

        loaded.Approve("admin " + NonAscii, ["repo", "user:email"], T0.AddMinutes(1).AddTicks(9), byAdministrator: true);
        await Repository.UpdateAsync(loaded, Ct);

        var decided = (await Repository.FindAsync(request.Id, Ct))!;
        decided.Status.ShouldBe(AuthorizationRequestStatus.Approved);
        decided.GrantedScopes.ShouldBe(["repo", "user:email"]);
        decided.DecidedBy.ShouldBe("admin " + NonAscii);
        ShouldBeStored(decided.DecidedAt!.Value, T0.AddMinutes(1).AddTicks(9));
        decided.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Update_AskAdministrator_StoresItForAdministratorsWithItsNewLifetime()
    {
        var request = AuthorizationRequest.ForClient("bob", "client-1", "Claude", ["tag:prod"], Payload, T0);
        await Repository.AddAsync(request, Ct);
        var loaded = (await Repository.FindAsync(request.Id, Ct)).ShouldBeOfType<ClientConsentRequest>();
        loaded.RequiresAdministrator.ShouldBeFalse();

        loaded.AskAdministrator("bob", T0.AddMinutes(4).AddTicks(3)).ShouldBe(DecisionOutcome.Decided);
        await Repository.UpdateAsync(loaded, Ct);

        var asked = (await Repository.FindAsync(request.Id, Ct))!;
        asked.RequiresAdministrator.ShouldBeTrue();
        asked.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        ShouldBeStored(asked.ExpiresAt, T0.AddMinutes(4).AddTicks(3) + AuthorizationRequest.Lifetime);
        asked.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Update_TwoOperatorsDecideAtOnce_OnlyTheFirstDecisionIsKept()
    {
        var request = AuthorizationRequest.ForClient("ada", "c1", "Client", ["tag:a"], Payload, T0);
        await Repository.AddAsync(request, Ct);
        var approver = (await Repository.FindAsync(request.Id, Ct))!;
        var denier = (await Repository.FindAsync(request.Id, Ct))!;

        approver.Approve("alice", ["tag:a"], T0.AddSeconds(5));
        await Repository.UpdateAsync(approver, Ct);
        denier.Deny("bob", T0.AddSeconds(6));
        await Should.ThrowAsync<ConcurrencyConflictException>(() => Repository.UpdateAsync(denier, Ct));

        var stored = (await Repository.FindAsync(request.Id, Ct))!;
        stored.Status.ShouldBe(AuthorizationRequestStatus.Approved);
        stored.DecidedBy.ShouldBe("alice");
        stored.GrantedScopes.ShouldBe(["tag:a"]);
    }

    [Fact]
    public async Task Update_ExpireIfDue_IsStored()
    {
        var request = AuthorizationRequest.ForClient("ada", "c1", "Client", [], Payload, T0);
        await Repository.AddAsync(request, Ct);

        request.ExpireIfDue(T0 + AuthorizationRequest.Lifetime).ShouldBeTrue();
        await Repository.UpdateAsync(request, Ct);

        var stored = (await Repository.FindAsync(request.Id, Ct))!;
        stored.Status.ShouldBe(AuthorizationRequestStatus.Expired);
        stored.DecidedAt.ShouldBeNull();
    }

    [Fact]
    public async Task ListPending_ReturnsUnexpiredPendingRequestsOldestFirst()
    {
        var older = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0);
        var newer = AuthorizationRequest.ForBackend("a", "b1", [], Payload, T0.AddMinutes(2));
        var decided = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0.AddMinutes(1));
        decided.Deny("x", T0.AddMinutes(1));
        var expired = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0.AddMinutes(-30));
        foreach (var request in new AuthorizationRequest[] { newer, decided, expired, older })
        {
            await Repository.AddAsync(request, Ct);
        }

        var now = T0.AddMinutes(3);
        (await Repository.ListPendingAsync(now, Ct)).Select(r => r.Id).ShouldBe([older.Id, newer.Id]);

        // At its expiry instant a request is no longer pending (the domain's IsExpiredAt agrees).
        (await Repository.ListPendingAsync(older.ExpiresAt, Ct)).Select(r => r.Id).ShouldBe([newer.Id]);
    }

    [Fact]
    public async Task Prune_DeletesRequestsDecidedOrExpiredBeforeTheThreshold()
    {
        var decidedLongAgo = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0.AddDays(-2));
        decidedLongAgo.Deny("x", T0.AddDays(-2));
        var decidedRecently = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0.AddMinutes(-1));
        decidedRecently.Approve("x", [], T0.AddMinutes(-1));
        var expiredLongAgo = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0.AddDays(-2));
        var markedExpired = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0.AddDays(-2));
        markedExpired.ExpireIfDue(T0.AddDays(-1));
        var pending = AuthorizationRequest.ForClient("a", "c", "C", [], Payload, T0);
        foreach (var request in new[] { decidedLongAgo, decidedRecently, expiredLongAgo, markedExpired, pending })
        {
            await Repository.AddAsync(request, Ct);
        }

        (await Repository.PruneAsync(T0.AddDays(-1), T0, Ct)).ShouldBe(3);

        (await Repository.FindAsync(decidedRecently.Id, Ct)).ShouldNotBeNull();
        (await Repository.FindAsync(pending.Id, Ct)).ShouldNotBeNull();
        (await Repository.FindAsync(decidedLongAgo.Id, Ct)).ShouldBeNull();
        (await Repository.PruneAsync(T0.AddDays(-1), T0, Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task Prune_AClientRequestNobodyDecidedOrAskedAbout_GoesOnceExpiredWithoutTheRetention()
    {
        // Opening a consent or "Ask an administrator" page stores one, and anyone's link opens that page: left alone,
        // it must not stay for the retention period.
        var opened = AuthorizationRequest.ForClient("bob", "c", "C", ["tag:prod"], Payload, T0.AddMinutes(-11));
        var asked = AuthorizationRequest.ForClient("bob", "c", "C", ["tag:prod"], Payload, T0.AddMinutes(-30));
        asked.AskAdministrator("bob", T0.AddMinutes(-29)).ShouldBe(DecisionOutcome.Decided);
        var stillOpen = AuthorizationRequest.ForClient("bob", "c", "C", ["tag:prod"], Payload, T0.AddMinutes(-5));
        var denied = AuthorizationRequest.ForClient("bob", "c", "C", ["tag:prod"], Payload, T0.AddMinutes(-30));
        denied.Deny("bob", T0.AddMinutes(-29));
        var backend = AuthorizationRequest.ForBackend("ops", "github", [], "", T0.AddMinutes(-30));
        foreach (var request in new AuthorizationRequest[] { opened, asked, stillOpen, denied, backend })
        {
            await Repository.AddAsync(request, Ct);
        }

        (await Repository.PruneAsync(T0.AddDays(-14), T0, Ct)).ShouldBe(1);

        (await Repository.FindAsync(opened.Id, Ct)).ShouldBeNull();
        foreach (var kept in new AuthorizationRequest[] { asked, stillOpen, denied, backend })
        {
            (await Repository.FindAsync(kept.Id, Ct)).ShouldNotBeNull();
        }
    }

    [Fact]
    public async Task Find_WhenUnknown_ReturnsNull() =>
        (await Repository.FindAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
}
