using OneMcp.Application.Authorization.Commands;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.UnitTests.ControlPlane;

namespace OneMcp.UnitTests.Authorization;

public sealed class ClientConsentTests : IDisposable
{
    private readonly ControlPlaneFixture _f = new();

    [Fact]
    public async Task Decide_AfterItsLifetime_StoresItExpiredAndRejectsTheForm()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:web"], "digest", _f.Time.GetUtcNow() - AuthorizationRequest.Lifetime));

        var rejected = await Should.ThrowAsync<ConsentRejectedException>(() => Decide(request.Id, approve: true, ["tag:web"]));

        rejected.Message.ShouldBe("This authorization request has expired; start again.");
        _f.Requests.Stored(request.Id).Status.ShouldBe(AuthorizationRequestStatus.Expired);
    }

    [Fact]
    public async Task Decide_Approve_GrantsTheTagsTicked_AndSavesTheDecision()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:web", "tag:db"], "digest", _f.Time.GetUtcNow()));

        var granted = await Decide(request.Id, approve: true, ["tag:db"]);

        granted.ShouldBe(["tag:db"]);
        var stored = _f.Requests.Stored(request.Id);
        stored.Status.ShouldBe(AuthorizationRequestStatus.Approved);
        stored.Version.ShouldBe(2);
    }

    [Theory]
    [InlineData(true, "You already approved this request")]
    [InlineData(false, "You already denied this request")]
    public async Task Decide_TheSameFormASecondTime_SaysItWasDecidedAndThatNoNewCodeIsIssued(bool approve, string said)
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:web"], "digest", _f.Time.GetUtcNow()));
        await Decide(request.Id, approve, approve ? ["tag:web"] : []);

        var rejected = await Should.ThrowAsync<ConsentRejectedException>(() => Decide(request.Id, approve, approve ? ["tag:web"] : []));

        rejected.Message.ShouldStartWith(said + ", and your application was sent that answer at the time.");
        rejected.Message.ShouldContain("no new code is issued");
        _f.Requests.Stored(request.Id).Status.ShouldBe(approve ? AuthorizationRequestStatus.Approved : AuthorizationRequestStatus.Denied);
    }

    [Fact]
    public async Task Decide_AFormForAnotherRequestOrABackendConnection_IsRejected()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:web"], "digest", _f.Time.GetUtcNow()));
        var backend = await AddAsync(AuthorizationRequest.ForBackend("bob", "github", [], "tokens", _f.Time.GetUtcNow()));

        await Should.ThrowAsync<ConsentRejectedException>(() => Decide(request.Id, approve: true, ["tag:web"], digest: "other"));
        await Should.ThrowAsync<ConsentRejectedException>(() => Decide(backend.Id, approve: false, []));

        _f.Requests.Stored(request.Id).Status.ShouldBe(AuthorizationRequestStatus.Pending);
        _f.Requests.Stored(backend.Id).Status.ShouldBe(AuthorizationRequestStatus.Pending);
    }

    [Fact]
    public async Task Collect_AnExpiredRequest_IsRejected()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:web"], "digest", _f.Time.GetUtcNow() - AuthorizationRequest.Lifetime, requiresAdministrator: true));

        var rejected = await Should.ThrowAsync<ConsentRejectedException>(() =>
            new CollectClientConsentHandler(_f.Requests, _f.Time).Handle(new CollectClientConsentCommand(request.Id, "bob", "c1", "digest"), CancellationToken.None));

        rejected.Message.ShouldContain("ten minutes");
    }

    [Fact]
    public async Task Ask_TheUsersOwnUndecidedRequest_HandsItToAnAdministrator_WithAFullLifetime()
    {
        var opened = _f.Time.GetUtcNow() - TimeSpan.FromMinutes(9);
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", opened));

        await Ask(request.Id);
        await Ask(request.Id);

        var stored = _f.Requests.Stored(request.Id);
        stored.RequiresAdministrator.ShouldBeTrue();
        stored.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        stored.ExpiresAt.ShouldBe(_f.Time.GetUtcNow() + AuthorizationRequest.Lifetime);
        stored.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Ask_ADecidedRequestOrAnotherUsersForm_IsRejected_AndChangesNothing()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", _f.Time.GetUtcNow()));
        var denied = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", _f.Time.GetUtcNow()));
        await Decide(denied.Id, approve: false, []);

        await Should.ThrowAsync<ConsentRejectedException>(() => Ask(request.Id, subject: "mallory"));
        await Should.ThrowAsync<ConsentRejectedException>(() => Ask(denied.Id));

        _f.Requests.Stored(request.Id).RequiresAdministrator.ShouldBeFalse();
        _f.Requests.Stored(denied.Id).RequiresAdministrator.ShouldBeFalse();
        _f.Requests.Stored(denied.Id).Status.ShouldBe(AuthorizationRequestStatus.Denied);
    }

    [Fact]
    public async Task Collect_ARequestNoAdministratorWasAskedFor_IsRejected()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", _f.Time.GetUtcNow()));

        var rejected = await Should.ThrowAsync<ConsentRejectedException>(() =>
            new CollectClientConsentHandler(_f.Requests, _f.Time).Handle(new CollectClientConsentCommand(request.Id, "bob", "c1", "digest"), CancellationToken.None));

        rejected.Message.ShouldStartWith("No administrator was asked to decide this request.");
    }

    public void Dispose() => _f.Dispose();

    private Task<IReadOnlyList<string>> Decide(Guid id, bool approve, IReadOnlyList<string> scopes, string digest = "digest") =>
        new DecideClientConsentHandler(_f.Requests, _f.Time).Handle(new DecideClientConsentCommand(id, "bob", "c1", digest, approve, scopes), CancellationToken.None);

    private Task<MediatR.Unit> Ask(Guid id, string subject = "bob") =>
        new AskAdministratorHandler(_f.Requests, _f.Time).Handle(new AskAdministratorCommand(id, subject, "c1", "digest"), CancellationToken.None);

    private async Task<AuthorizationRequest> AddAsync(AuthorizationRequest request)
    {
        await _f.Requests.AddAsync(request, CancellationToken.None);
        return request;
    }
}
