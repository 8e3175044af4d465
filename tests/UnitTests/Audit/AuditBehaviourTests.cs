using FluentValidation;
using FluentValidation.Results;
using MediatR;
using OneMcp.Application.Audit;
using OneMcp.Application.Audit.Queries;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends.Commands;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Connections;
using OneMcp.Application.Connections.Commands;
using OneMcp.Application.Users;
using OneMcp.Application.Users.Commands;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Audit;

public sealed class AuditBehaviourTests
{
    private static readonly AuditActor Ada = new("ada", "sub-ada", null);

    private readonly RecordingAuditLog _log = new();

    private Task<TResponse> RunAsync<TRequest, TResponse>(TRequest request, Func<Task<TResponse>> handler, AuditActor? caller = null) =>
        new AuditBehaviour<TRequest, TResponse>(_log, new Caller(caller ?? Ada), TimeProvider.System)
            .Handle(request, CancellationToken.None, () => handler());

    [Fact]
    public async Task Handle_WhenABackendCommandSucceeds_RecordsAChangeWithTheCallerAndTheBackend()
    {
        await RunAsync(new RemoveBackendCommand("alpha"), () => Task.FromResult(Unit.Value));

        var entry = _log.Entries.ShouldHaveSingleItem();
        (entry.Kind, entry.Outcome, entry.Name, entry.Backend, entry.UserName, entry.Subject)
            .ShouldBe((AuditKinds.Change, AuditOutcomes.Success, "RemoveBackend", "alpha", "ada", "sub-ada"));
    }

    [Fact]
    public async Task Handle_ConnectionCommands_AreRecordedWithTheirBackend_RevokeAndApproveAsSuch_NeverASecret()
    {
        await RunAsync(new SetMySecretsCommand("keyed", new ConnectionOwner("sub-ada"), new Dictionary<string, string?> { ["API_KEY"] = "s3cret-value" }),
            () => Task.FromResult<MyConnectionView>(null!));
        await RunAsync(new RevokeConnectionCommand("keyed", "bob"), () => Task.FromResult(Unit.Value));
        await RunAsync(new ApproveConnectionCommand("vault", "bob"), () => Task.FromResult(Unit.Value));

        _log.Entries.Select(e => (e.Kind, e.Name, e.Backend)).ShouldBe([
            (AuditKinds.Change, "SetMySecrets", "keyed"),
            (AuditKinds.Revocation, "RevokeConnection", "keyed"),
            (AuditKinds.Approval, "ApproveConnection", "vault"),
        ]);
        _log.Entries.ShouldAllBe(e => !e.ToString().Contains("s3cret-value"));
    }

    [Fact]
    public async Task Handle_WhenAnAdministratorChangesAUser_RecordsTheUserChangedAsTarget_OnFailureToo_NeverThePassword()
    {
        await RunAsync(new UpdateUserCommand("bob", new UserEdit { Role = "member" }), () => Task.FromResult<UserView>(null!));
        await Should.ThrowAsync<NotFoundException>(() => RunAsync<SetPasswordCommand, Unit>(
            new SetPasswordCommand("bob", "hunter2 hunter2"), () => throw new NotFoundException("user", "bob")));

        _log.Entries.Select(e => (e.Name, e.Outcome, e.UserName, e.Target)).ShouldBe([
            ("UpdateUser", AuditOutcomes.Success, "ada", "bob"),
            ("SetPassword", AuditOutcomes.Failure, "ada", "bob"),
        ]);
        _log.Entries.ShouldAllBe(e => !e.ToString().Contains("hunter2"));
    }

    [Fact]
    public async Task Handle_WhenValidationRefusesTheCommand_RecordsAFailureAndRethrows()
    {
        await Should.ThrowAsync<ValidationException>(() => RunAsync<RemoveBackendCommand, Unit>(
            new RemoveBackendCommand("bad name"), () => throw new ValidationException([new ValidationFailure("name", "bad")])));

        var entry = _log.Entries.ShouldHaveSingleItem();
        (entry.Outcome, entry.ErrorCode).ShouldBe((AuditOutcomes.Failure, "invalid_request"));
    }

    [Fact]
    public async Task Handle_WhenTheRequestIsAQuery_RecordsNothing()
    {
        await RunAsync(new ListAuditQuery(), () => Task.FromResult(new AuditPage([], null)));

        _log.Entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_WhenASignInFails_RecordsTheNameTriedAndInvalidCredentials_NeverThePassword()
    {
        await RunAsync(new SignInCommand(" bob ", "hunter2", "192.0.2.1"), () => Task.FromResult(new SignInResult(SignInOutcome.InvalidCredentials)), AuditActor.Anonymous);

        var entry = _log.Entries.ShouldHaveSingleItem();
        (entry.Kind, entry.Outcome, entry.UserName, entry.Subject, entry.ErrorCode)
            .ShouldBe((AuditKinds.SignIn, AuditOutcomes.Failure, "bob", (string?)null, "invalid_credentials"));
        entry.ToString().ShouldNotContain("hunter2");
    }

    [Fact]
    public async Task Handle_WhenTheAddressIsThrottled_RecordsAFailureSayingSo()
    {
        await RunAsync(new SignInCommand("bob", "hunter2", "192.0.2.1"), () => Task.FromResult(new SignInResult(SignInOutcome.AddressThrottled)), AuditActor.Anonymous);

        var entry = _log.Entries.ShouldHaveSingleItem();
        (entry.Outcome, entry.ErrorCode).ShouldBe((AuditOutcomes.Failure, "address_throttled"));
    }

    [Fact]
    public async Task Handle_WhenASignInSucceeds_RecordsTheUserAndTheirId()
    {
        var id = Guid.NewGuid();
        await RunAsync(new SignInCommand("bob", "hunter2", "192.0.2.1"), () => Task.FromResult(new SignInResult(SignInOutcome.Succeeded, id, "bob")), AuditActor.Anonymous);

        var entry = _log.Entries.ShouldHaveSingleItem();
        (entry.Outcome, entry.UserName, entry.Subject).ShouldBe((AuditOutcomes.Success, "bob", id.ToString("D")));
    }

    [Theory]
    [InlineData(true, AuditKinds.Approval)]
    [InlineData(false, AuditKinds.Denial)]
    public async Task Handle_WhenAnAdministratorDecides_RecordsApprovalOrDenial(bool approve, string kind)
    {
        await RunAsync(new DecideAuthorizationRequestCommand(Guid.NewGuid(), "ada", approve), () => Task.FromResult<Application.Authorization.AuthorizationRequestView>(null!));

        _log.Entries.ShouldHaveSingleItem().Kind.ShouldBe(kind);
    }

    [Fact]
    public async Task Handle_WhenAUserConsents_RecordsConsentWithTheClient()
    {
        await RunAsync(
            new DecideClientConsentCommand(Guid.NewGuid(), "sub-bob", "client-9", "digest", Approve: true, ["tag:web"]),
            () => Task.FromResult<IReadOnlyList<string>>(["tag:web"]),
            new AuditActor("bob", null, null));

        var entry = _log.Entries.ShouldHaveSingleItem();
        (entry.Kind, entry.UserName, entry.Subject, entry.ClientId).ShouldBe((AuditKinds.Consent, "bob", "sub-bob", "client-9"));
    }

    [Fact]
    public async Task Handle_WhenAGrantIsRevoked_RecordsARevocation()
    {
        await RunAsync(new RevokeGrantCommand("grant-1", null), () => Task.FromResult(Unit.Value));

        _log.Entries.ShouldHaveSingleItem().Kind.ShouldBe(AuditKinds.Revocation);
    }

    private sealed class Caller(AuditActor actor) : ICurrentUser
    {
        public AuditActor Actor => actor;
    }
}
