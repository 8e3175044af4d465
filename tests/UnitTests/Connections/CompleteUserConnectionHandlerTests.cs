using OneMcp.Application.Backends;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Connections;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.UnitTests.ControlPlane;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Connections;

/// <summary>
/// The OAuth callback for a per-user backend: the signed-in user's own flow is completed (or ended on an error), and
/// only a completed one releases that user's instance and tells the other replicas.
/// </summary>
public sealed class CompleteUserConnectionHandlerTests
{
    private static readonly ConnectionOwner Alice = new("alice-id");
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly InMemoryBackendRepository _backends = new();
    private readonly RecordingUserOAuth _oauth = new();
    private readonly RecordingInstances _instances = new();
    private readonly RecordingChangeFeed _feed = new();

    private CompleteUserConnectionHandler Handler => new(_backends, _oauth, new UserConnectionChanges(_instances, _feed));

    [Fact]
    public async Task Complete_WithACode_CompletesTheUsersFlow_ThenReleasesTheirInstanceAndTellsTheReplicas()
    {
        await AddAsync("vault", BackendCredentialMode.PerUser);
        _oauth.Outcome = UserConnectionOutcome.AwaitingApproval;

        var outcome = await Handler.Handle(new CompleteUserConnectionCommand("vault", Alice, "the-state", "the-code", null, null), Ct);

        outcome.ShouldBe(UserConnectionOutcome.AwaitingApproval);
        _oauth.Calls.ShouldBe(["complete vault alice-id the-state the-code"]);
        _instances.Released.ShouldBe(["vault/alice-id"]);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.UserConnections, "vault/alice-id")]);
    }

    [Fact]
    public async Task Complete_WithAnError_EndsTheUsersFlowAndChangesNothingElse()
    {
        await AddAsync("vault", BackendCredentialMode.PerUser);

        var refused = await Should.ThrowAsync<BackendOAuthException>(() =>
            Handler.Handle(new CompleteUserConnectionCommand("vault", Alice, "the-state", null, "access_denied", "The user said no."), Ct));

        refused.Code.ShouldBe("access_denied");
        refused.Message.ShouldContain("The user said no.");
        _oauth.Calls.ShouldBe(["abandon vault alice-id the-state"]);
        _instances.Released.ShouldBeEmpty();
        _feed.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task Complete_ThatTheFlowRefuses_ReleasesNothingAndPublishesNothing()
    {
        await AddAsync("vault", BackendCredentialMode.PerUser);
        _oauth.Failure = new BackendOAuthException(BackendOAuthException.InvalidState, "not yours");

        await Should.ThrowAsync<BackendOAuthException>(() =>
            Handler.Handle(new CompleteUserConnectionCommand("vault", Alice, "someone-elses", "code", null, null), Ct));

        _instances.Released.ShouldBeEmpty();
        _feed.Published.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null, "code")]
    [InlineData("state", null)]
    public async Task Complete_WithoutStateOrCode_IsRefusedBeforeTheFlowIsTouched(string? state, string? code)
    {
        await AddAsync("vault", BackendCredentialMode.PerUser);

        await Should.ThrowAsync<BackendOAuthException>(() => Handler.Handle(new CompleteUserConnectionCommand("vault", Alice, state, code, null, null), Ct));

        _oauth.Calls.ShouldBeEmpty();
        _feed.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task Complete_ForASharedBackend_IsRefused()
    {
        await AddAsync("shared", BackendCredentialMode.Shared);

        var refused = await Should.ThrowAsync<DomainException>(() =>
            Handler.Handle(new CompleteUserConnectionCommand("shared", Alice, "state", "code", null, null), Ct));

        refused.Message.ShouldContain("shared credentials");
        _oauth.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task IsPerUserBackend_IsTrueOnlyForAStoredPerUserBackend()
    {
        await AddAsync("vault", BackendCredentialMode.PerUser);
        await AddAsync("shared", BackendCredentialMode.Shared);
        var handler = new IsPerUserBackendHandler(_backends);

        (await handler.Handle(new IsPerUserBackendQuery("vault"), Ct)).ShouldBeTrue();
        (await handler.Handle(new IsPerUserBackendQuery("shared"), Ct)).ShouldBeFalse();
        (await handler.Handle(new IsPerUserBackendQuery("unknown"), Ct)).ShouldBeFalse();
    }

    [Fact]
    public void Complete_IsAuditedAsAChangeOfThatBackend()
    {
        var described = Application.Audit.AuditedCommand.Describe(new CompleteUserConnectionCommand("vault", Alice, "s", "c", null, null));

        described.ShouldNotBeNull();
        described.Kind.ShouldBe(Application.Audit.AuditKinds.Change);
        described.Name.ShouldBe("CompleteUserConnection");
        described.Backend.ShouldBe("vault");
    }

    [Fact]
    public void Validators_RefuseAnInvalidBackendName()
    {
        new CompleteUserConnectionValidator().Validate(new CompleteUserConnectionCommand("no spaces/allowed", Alice, "s", "c", null, null)).IsValid.ShouldBeFalse();
        new IsPerUserBackendValidator().Validate(new IsPerUserBackendQuery("no spaces/allowed")).IsValid.ShouldBeFalse();
        new IsPerUserBackendValidator().Validate(new IsPerUserBackendQuery("vault")).IsValid.ShouldBeTrue();
    }

    private Task AddAsync(string name, BackendCredentialMode credentials) => _backends.AddAsync(
        BackendService.Register(
            new StreamableHttpBackendSettings { Name = ServerName.From(name), Url = new Uri($"https://{name}.example.com/mcp"), Credentials = credentials },
            BackendOrigin.Api,
            DateTimeOffset.UnixEpoch),
        Ct);

    private sealed class RecordingUserOAuth : IUserBackendOAuth
    {
        public List<string> Calls { get; } = [];

        public UserConnectionOutcome Outcome { get; set; } = UserConnectionOutcome.Connected;

        public Exception? Failure { get; set; }

        public Task<Uri> BeginAsync(BackendSettings backend, ConnectionOwner owner, Uri redirectUri, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The callback never begins a flow.");

        public Task<UserConnectionOutcome> CompleteAsync(ServerName backend, ConnectionOwner owner, string state, string code, CancellationToken cancellationToken)
        {
            Calls.Add($"complete {backend} {owner} {state} {code}");
            return Failure is null ? Task.FromResult(Outcome) : Task.FromException<UserConnectionOutcome>(Failure);
        }

        public Task AbandonAsync(ServerName backend, ConnectionOwner owner, string state, CancellationToken cancellationToken)
        {
            Calls.Add($"abandon {backend} {owner} {state}");
            return Task.CompletedTask;
        }

        public Task<bool> ApproveAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The callback never approves.");
    }

    private sealed class RecordingInstances : IPerUserBackends
    {
        public List<string> Released { get; } = [];

        public ValueTask<IBackendConnection> ForOwnerAsync(IBackendConnection backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The callback never starts an instance.");

        public IBackendConnection? Running(IBackendConnection backend, ConnectionOwner owner) => null;

        public IReadOnlyCollection<ConnectionOwner> OwnersRunning() => [];

        public Task ReleaseAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken)
        {
            Released.Add(UserConnectionChanges.NameOf(backend, owner));
            return Task.CompletedTask;
        }
    }
}
