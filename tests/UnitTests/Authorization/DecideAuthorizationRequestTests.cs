using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.UnitTests.ControlPlane;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Authorization;

public sealed class DecideAuthorizationRequestTests : IDisposable
{
    private readonly ControlPlaneFixture _f = new();
    private readonly RecordingBackendOAuth _oauth = new();

    [Fact]
    public async Task Approve_ABackendConnection_HandsItsTokensToTheBackendAndReconnectsIt()
    {
        var request = await AddAsync(AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", _f.Time.GetUtcNow()));

        var view = await Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None);

        view.Status.ShouldBe("approved");
        _oauth.Accepted.ShouldBe([("github", "protected-tokens")]);
        _f.Runtime.Reconnected.ShouldBe(["github"]);
        _f.Requests.Stored(request.Id).ShouldBeOfType<BackendConnectionRequest>().ProtectedTokens.ShouldBeEmpty();
    }

    [Fact]
    public async Task Deny_ABackendConnection_DiscardsItsTokensAndConnectsNothing()
    {
        var request = await AddAsync(AuthorizationRequest.ForBackend("ada", "github", [], "protected-tokens", _f.Time.GetUtcNow()));

        var view = await Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: false), CancellationToken.None);

        view.Status.ShouldBe("denied");
        _oauth.Accepted.ShouldBeEmpty();
        _f.Runtime.Reconnected.ShouldBeEmpty();
        _f.Requests.Stored(request.Id).ShouldBeOfType<BackendConnectionRequest>().ProtectedTokens.ShouldBeEmpty();
    }

    [Fact]
    public async Task Decide_Twice_TheSecondIsRefusedAndNothingMoreHappens()
    {
        var request = await AddAsync(AuthorizationRequest.ForBackend("ada", "github", [], "protected-tokens", _f.Time.GetUtcNow()));
        await Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: false), CancellationToken.None);

        var refused = await Should.ThrowAsync<DomainException>(() =>
            Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None));

        refused.Code.ShouldBe("authorization_request.already_decided");
        _oauth.Accepted.ShouldBeEmpty();
    }

    [Fact]
    public async Task Decide_AUsersOwnConsentRequest_IsNotFound()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:web"], "digest", _f.Time.GetUtcNow()));

        await Should.ThrowAsync<NotFoundException>(() =>
            Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None));
    }

    [Fact]
    public async Task Approve_AnEscalatedClientRequest_WithScopesNotRequested_Throws()
    {
        var request = await AddAsync(AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", _f.Time.GetUtcNow(), requiresAdministrator: true));

        var refused = await Should.ThrowAsync<DomainException>(() =>
            Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true, ["tag:other"]), CancellationToken.None));

        refused.Code.ShouldBe("authorization_request.scope_not_requested");
        _f.Requests.Stored(request.Id).Status.ShouldBe(AuthorizationRequestStatus.Pending);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Decide_AfterItsLifetime_StoresItExpired_ReportsExpired_AndConnectsNothing(bool approve)
    {
        var request = await AddAsync(AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", _f.Time.GetUtcNow() - AuthorizationRequest.Lifetime));

        var refused = await Should.ThrowAsync<DomainException>(() =>
            Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", approve), CancellationToken.None));

        refused.Code.ShouldBe("authorization_request.expired");
        var stored = _f.Requests.Stored(request.Id).ShouldBeOfType<BackendConnectionRequest>();
        stored.Status.ShouldBe(AuthorizationRequestStatus.Expired);
        stored.ProtectedTokens.ShouldBeEmpty();
        _oauth.Accepted.ShouldBeEmpty();
        _f.Runtime.Reconnected.ShouldBeEmpty();
    }

    [Fact]
    public async Task Decide_AnAlreadyExpiredRequest_ReportsExpiredAgain()
    {
        var request = await AddAsync(AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", _f.Time.GetUtcNow() - AuthorizationRequest.Lifetime));
        await Should.ThrowAsync<DomainException>(() => Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None));

        var again = await Should.ThrowAsync<DomainException>(() =>
            Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None));

        again.Code.ShouldBe("authorization_request.expired");
        _f.Requests.Stored(request.Id).Version.ShouldBe(2);
    }

    public void Dispose() => _f.Dispose();

    private DecideAuthorizationRequestHandler Handler() => new(_f.Requests, _oauth, _f.Runtime, new InMemoryUserRepository(), _f.Time);

    private async Task<AuthorizationRequest> AddAsync(AuthorizationRequest request)
    {
        await _f.Requests.AddAsync(request, CancellationToken.None);
        return request;
    }

    private sealed class RecordingBackendOAuth : IBackendOAuth
    {
        public List<(string Backend, string Tokens)> Accepted { get; } = [];

        public Task<Uri> BeginAsync(BackendSettings backend, string subject, Uri redirectUri, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ObtainedBackendTokens> CompleteAsync(ServerName backend, string subject, string state, string code, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AbandonAsync(ServerName backend, string subject, string state, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AcceptAsync(ServerName backend, string protectedTokens, CancellationToken cancellationToken)
        {
            Accepted.Add((backend.Value, protectedTokens));
            return Task.CompletedTask;
        }

        public Task ForgetAsync(ServerName backend, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> ReloadAsync(ServerName backend, CancellationToken cancellationToken) => throw new NotSupportedException();

        public bool HasTokens(ServerName backend) => false;
    }
}
