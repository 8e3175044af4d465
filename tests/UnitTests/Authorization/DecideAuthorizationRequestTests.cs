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

    public static TheoryData<Exception> NotStored() =>
    [
        new NotFoundException("backend", "github"),
        new ConcurrencyConflictException("The OAuth credentials for backend 'github' could not be saved: other requests changed them 5 times meanwhile."),
    ];

    [Theory]
    [MemberData(nameof(NotStored))]
    public async Task Approve_WhenTheTokensCannotBeStored_FailsSo_AndLeavesTheRequestPendingWithItsTokens(Exception notStored)
    {
        var request = await AddAsync(AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", _f.Time.GetUtcNow()));
        _oauth.Failure = notStored;

        var failed = await Should.ThrowAsync<Exception>(() =>
            Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None));

        failed.ShouldBeSameAs(notStored);
        var stored = _f.Requests.Stored(request.Id).ShouldBeOfType<BackendConnectionRequest>();
        stored.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        stored.ProtectedTokens.ShouldBe("protected-tokens");
        _f.Runtime.Reconnected.ShouldBeEmpty();

        // The administrator approves again once the store takes the tokens: the same tokens, no new authorization.
        _oauth.Failure = null;
        var view = await Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None);

        view.Status.ShouldBe("approved");
        _oauth.Accepted.ShouldBe([("github", "protected-tokens")]);
        _f.Runtime.Reconnected.ShouldBe(["github"]);
    }

    [Fact]
    public async Task Deny_WhileAnApprovalIsPuttingTheTokensInUse_IsRefused_SoNoDeniedRequestsTokensAreUsed()
    {
        var request = await AddAsync(AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", _f.Time.GetUtcNow()));
        DomainException? denial = null;
        _oauth.WhileAccepting = async () => denial = await Should.ThrowAsync<DomainException>(() =>
            Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "bob", Approve: false), CancellationToken.None));

        var view = await Handler().Handle(new DecideAuthorizationRequestCommand(request.Id, "ada", Approve: true), CancellationToken.None);

        denial.ShouldNotBeNull().Code.ShouldBe("authorization_request.already_decided");
        view.Status.ShouldBe("approved");
        _oauth.Accepted.ShouldBe([("github", "protected-tokens")]);
        _f.Requests.Stored(request.Id).Status.ShouldBe(AuthorizationRequestStatus.Approved);
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

        /// <summary>What accepting throws instead of storing the tokens (the backend gone, a write conflict).</summary>
        public Exception? Failure { get; set; }

        /// <summary>Runs while the tokens are being accepted, before the outcome (another administrator's click).</summary>
        public Func<Task>? WhileAccepting { get; set; }

        public async Task AcceptAsync(ServerName backend, string protectedTokens, CancellationToken cancellationToken)
        {
            if (WhileAccepting is { } concurrently)
            {
                await concurrently();
            }

            if (Failure is { } failure)
            {
                throw failure;
            }

            Accepted.Add((backend.Value, protectedTokens));
        }

        public Task ForgetAsync(ServerName backend, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> ReloadAsync(ServerName backend, CancellationToken cancellationToken) => throw new NotSupportedException();

        public bool HasTokens(ServerName backend) => false;
    }
}
