using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.UnitTests.Domain.AuthorizationRequests;

public sealed class AuthorizationRequestTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Due = T0 + AuthorizationRequest.Lifetime;

    [Fact]
    public void Approve_WhenItRequiresAnAdministratorAndTheDeciderIsNot_Throws()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", T0, requiresAdministrator: true);

        var refused = Should.Throw<DomainException>(() => request.Approve("bob", ["tag:prod"], T0.AddMinutes(1)));

        refused.Code.ShouldBe("authorization_request.administrator_required");
        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
    }

    [Fact]
    public void Approve_ABackendConnection_DropsItsTokens()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", T0);

        request.Approve("ada", ["repo"], T0.AddMinutes(1), byAdministrator: true).ShouldBe(DecisionOutcome.Decided);

        request.Status.ShouldBe(AuthorizationRequestStatus.Approved);
        request.ProtectedTokens.ShouldBeEmpty();
        request.RequiresAdministrator.ShouldBeTrue();
    }

    [Fact]
    public void Deny_ABackendConnection_DiscardsTheTokens()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", [], "protected-tokens", T0);

        request.Deny("ada", T0.AddMinutes(1)).ShouldBe(DecisionOutcome.Decided);

        request.ProtectedTokens.ShouldBeEmpty();
    }

    [Fact]
    public void ReturnTokens_AfterAnApproval_MakesItPendingAgainWithTheTokens_ThenItCanBeDecidedAgain()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", T0);
        request.Approve("ada", ["repo"], T0.AddMinutes(1), byAdministrator: true);

        request.ReturnTokens("protected-tokens");

        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        request.ProtectedTokens.ShouldBe("protected-tokens");
        request.GrantedScopes.ShouldBeEmpty();
        request.DecidedBy.ShouldBeNull();
        request.DecidedAt.ShouldBeNull();
        request.Version.ShouldBe(3);
        request.Deny("ada", T0.AddMinutes(2)).ShouldBe(DecisionOutcome.Decided);
    }

    [Fact]
    public void ReturnTokens_ToADeniedRequest_IsRefused()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", [], "protected-tokens", T0);
        request.Deny("ada", T0.AddMinutes(1));

        Should.Throw<DomainException>(() => request.ReturnTokens("protected-tokens")).Code.ShouldBe("authorization_request.already_decided");
        request.ProtectedTokens.ShouldBeEmpty();
    }

    [Fact]
    public void ExpireIfDue_ABackendConnection_DiscardsTheTokens()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", [], "protected-tokens", T0);

        request.ExpireIfDue(Due).ShouldBeTrue();

        request.ProtectedTokens.ShouldBeEmpty();
    }

    [Fact]
    public void Deny_AClientConsent_KeepsItsParametersDigest()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);

        request.Deny("bob", T0.AddMinutes(1));

        request.ParametersDigest.ShouldBe("digest");
    }

    [Fact]
    public void Approve_ByAnAdministrator_WithNoneOfTheRequestedTags_IsRefusedAndLeavesItPending()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod", "tag:web"], "digest", T0, requiresAdministrator: true);

        var refused = Should.Throw<DomainException>(() => request.Approve("ada", [], T0.AddMinutes(1), byAdministrator: true));

        refused.Code.ShouldBe("authorization_request.no_tag");
        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        request.Approve("ada", ["tag:web"], T0.AddMinutes(1), byAdministrator: true).ShouldBe(DecisionOutcome.Decided);
        request.GrantedScopes.ShouldBe(["tag:web"]);
    }

    [Fact]
    public void Redeem_AnApprovedRequest_WorksOnceForItsSubjectOnly()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", T0, requiresAdministrator: true);
        request.Approve("ada", ["tag:prod"], T0.AddMinutes(1), byAdministrator: true);

        Should.Throw<DomainException>(() => request.Redeem("eve", T0.AddMinutes(2))).Code.ShouldBe("authorization_request.not_approved");
        request.Redeem("bob", T0.AddMinutes(2));
        Should.Throw<DomainException>(() => request.Redeem("bob", T0.AddMinutes(3))).Code.ShouldBe("authorization_request.already_redeemed");

        request.RedeemedAt.ShouldBe(T0.AddMinutes(2));
    }

    [Fact]
    public void Redeem_APendingRequest_Throws()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", T0, requiresAdministrator: true);

        Should.Throw<DomainException>(() => request.Redeem("bob", T0.AddMinutes(1))).Code.ShouldBe("authorization_request.not_approved");
    }

    [Fact]
    public void Redeem_ADeniedRequest_Throws()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", T0, requiresAdministrator: true);
        request.Deny("ada", T0.AddMinutes(1));

        Should.Throw<DomainException>(() => request.Redeem("bob", T0.AddMinutes(2))).Code.ShouldBe("authorization_request.not_approved");
        request.RedeemedAt.ShouldBeNull();
    }

    [Fact]
    public void TheTwoKinds_AreTheirOwnTypes_AndOnlyAClientConsentCanBeRedeemed()
    {
        AuthorizationRequest client = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);
        AuthorizationRequest backend = AuthorizationRequest.ForBackend("ada", "github", [], "tokens", T0);

        client.ShouldBeOfType<ClientConsentRequest>().Kind.ShouldBe(AuthorizationRequestKind.ClientConsent);
        backend.ShouldBeOfType<BackendConnectionRequest>().Kind.ShouldBe(AuthorizationRequestKind.BackendConnection);
        typeof(BackendConnectionRequest).GetMethod(nameof(ClientConsentRequest.Redeem)).ShouldBeNull();
    }

    [Fact]
    public void Open_StartsPendingAtVersionOne_NotYetStored_AndDueAfterItsLifetime()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:a", "tag:b", "tag:a"], "digest", T0);

        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        request.RequestedScopes.ShouldBe(["tag:a", "tag:b"]);
        request.GrantedScopes.ShouldBeEmpty();
        request.ExpiresAt.ShouldBe(Due);
        request.Version.ShouldBe(1);
        request.LoadedVersion.ShouldBe(0);
        request.IsExpiredAt(Due.AddTicks(-1)).ShouldBeFalse();
        request.IsExpiredAt(Due).ShouldBeTrue();
    }

    [Theory]
    [InlineData("", "c1")]
    [InlineData("bob", " ")]
    public void ForClient_WithoutSubjectOrClient_IsRefused(string subject, string clientId) =>
        Should.Throw<DomainException>(() => AuthorizationRequest.ForClient(subject, clientId, "Client", [], "digest", T0)).Code.ShouldBe("authorization_request.invalid");

    [Theory]
    [InlineData("", "github")]
    [InlineData("ada", "")]
    public void ForBackend_WithoutSubjectOrBackend_IsRefused(string subject, string backend) =>
        Should.Throw<DomainException>(() => AuthorizationRequest.ForBackend(subject, backend, [], "tokens", T0)).Code.ShouldBe("authorization_request.invalid");

    [Fact]
    public void Approve_WithSomeOfTheRequestedScopes_GrantsThoseOnce()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:a", "tag:b"], "digest", T0);

        request.Approve("bob", ["tag:b", "tag:b"], T0.AddMinutes(1)).ShouldBe(DecisionOutcome.Decided);

        request.Status.ShouldBe(AuthorizationRequestStatus.Approved);
        request.GrantedScopes.ShouldBe(["tag:b"]);
        request.DecidedBy.ShouldBe("bob");
        request.DecidedAt.ShouldBe(T0.AddMinutes(1));
        request.Version.ShouldBe(2);
    }

    [Fact]
    public void Approve_WithAScopeNotRequested_IsRefusedAndChangesNothing()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:a"], "digest", T0);

        Should.Throw<DomainException>(() => request.Approve("bob", ["tag:a", "tag:z"], T0.AddMinutes(1))).Code.ShouldBe("authorization_request.scope_not_requested");

        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        request.Version.ShouldBe(1);
    }

    [Fact]
    public void Approve_WithANullAmongTheScopes_IsRefusedAndChangesNothing()
    {
        // What the API's JSON {"scopes":[null]} binds to: before, Except hid it and the request was approved with it.
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:a"], "digest", T0);

        var refused = Should.Throw<DomainException>(() => request.Approve("bob", ["tag:a", null!], T0.AddMinutes(1)));

        refused.Code.ShouldBe("authorization_request.scope_not_requested");
        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        request.Version.ShouldBe(1);
    }

    [Fact]
    public void Approve_WhenNothingWasRequested_GrantsNothingElse()
    {
        var client = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);
        var backend = AuthorizationRequest.ForBackend("ada", "github", [], "tokens", T0);

        Should.Throw<DomainException>(() => client.Approve("bob", ["tag:anything"], T0.AddMinutes(1))).Code.ShouldBe("authorization_request.scope_not_requested");
        Should.Throw<DomainException>(() => backend.Approve("ada", ["repo"], T0.AddMinutes(1), byAdministrator: true)).Code.ShouldBe("authorization_request.scope_not_requested");
        client.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        backend.ProtectedTokens.ShouldBe("tokens");

        client.Approve("bob", [], T0.AddMinutes(1)).ShouldBe(DecisionOutcome.Decided);
        client.GrantedScopes.ShouldBeEmpty();
    }

    [Fact]
    public void Approve_WithoutADecider_IsRefusedAndChangesNothing()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", [], "tokens", T0);

        Should.Throw<DomainException>(() => request.Approve(" ", [], T0.AddMinutes(1), byAdministrator: true)).Code.ShouldBe("authorization_request.invalid");

        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        request.ProtectedTokens.ShouldBe("tokens");
        request.Version.ShouldBe(1);
    }

    [Fact]
    public void Deny_DecidesWithNoScopes()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:a"], "digest", T0);

        request.Deny("bob", T0.AddMinutes(1)).ShouldBe(DecisionOutcome.Decided);

        request.Status.ShouldBe(AuthorizationRequestStatus.Denied);
        request.GrantedScopes.ShouldBeEmpty();
        request.DecidedBy.ShouldBe("bob");
        request.Version.ShouldBe(2);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void ADecidedRequest_IsNotDecidedAgain(bool firstApproves, bool secondApproves)
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:a"], "digest", T0);
        Decide(request, firstApproves, T0.AddMinutes(1));
        var status = request.Status;

        var refused = Should.Throw<DomainException>(() => Decide(request, secondApproves, T0.AddMinutes(2)));

        refused.Code.ShouldBe("authorization_request.already_decided");
        refused.Message.ShouldContain(status.ToString().ToLowerInvariant());
        request.Status.ShouldBe(status);
        request.DecidedAt.ShouldBe(T0.AddMinutes(1));
        request.Version.ShouldBe(2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ADecisionAtItsExpiry_ExpiresItInsteadOfThrowing(bool approve)
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", ["repo"], "tokens", T0);

        Decide(request, approve, Due, byAdministrator: true).ShouldBe(DecisionOutcome.Expired);

        request.Status.ShouldBe(AuthorizationRequestStatus.Expired);
        request.DecidedAt.ShouldBeNull();
        request.DecidedBy.ShouldBeNull();
        request.GrantedScopes.ShouldBeEmpty();
        request.ProtectedTokens.ShouldBeEmpty();
        request.Version.ShouldBe(2);
        request.HasUnsavedChanges.ShouldBeTrue();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ADecisionOnAnAlreadyExpiredRequest_AnswersExpiredAndChangesNothing(bool approve)
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:a"], "digest", T0);
        request.ExpireIfDue(Due).ShouldBeTrue();

        Decide(request, approve, Due.AddMinutes(1)).ShouldBe(DecisionOutcome.Expired);

        request.Status.ShouldBe(AuthorizationRequestStatus.Expired);
        request.Version.ShouldBe(2);
    }

    [Fact]
    public void ExpiryWinsOverTheAdministratorCheck_SoALateRequestIsRecordedExpired()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", T0, requiresAdministrator: true);

        request.Approve("bob", ["tag:prod"], Due).ShouldBe(DecisionOutcome.Expired);

        request.Status.ShouldBe(AuthorizationRequestStatus.Expired);
    }

    [Fact]
    public void ExpireIfDue_BeforeItsTime_OrOnceDecided_DoesNothing()
    {
        var pending = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);
        var decided = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);
        decided.Deny("bob", T0.AddMinutes(1));

        pending.ExpireIfDue(Due.AddTicks(-1)).ShouldBeFalse();
        decided.ExpireIfDue(Due.AddHours(1)).ShouldBeFalse();

        pending.Status.ShouldBe(AuthorizationRequestStatus.Pending);
        pending.Version.ShouldBe(1);
        decided.Status.ShouldBe(AuthorizationRequestStatus.Denied);
        decided.IsExpiredAt(Due.AddHours(1)).ShouldBeFalse();
    }

    [Fact]
    public void ExpireIfDue_OnlyOnce()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);

        request.ExpireIfDue(Due).ShouldBeTrue();
        request.ExpireIfDue(Due.AddMinutes(1)).ShouldBeFalse();

        request.Version.ShouldBe(2);
    }

    [Fact]
    public void Redeem_AnExpiredRequest_Throws()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", T0, requiresAdministrator: true);
        request.ExpireIfDue(Due);

        Should.Throw<DomainException>(() => request.Redeem("bob", Due.AddMinutes(1))).Code.ShouldBe("authorization_request.not_approved");
    }

    [Fact]
    public void IsFor_MatchesSubjectClientAndDigestExactly()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);

        request.IsFor("bob", "c1", "digest").ShouldBeTrue();
        request.IsFor("Bob", "c1", "digest").ShouldBeFalse();
        request.IsFor("bob", "c2", "digest").ShouldBeFalse();
        request.IsFor("bob", "c1", "other").ShouldBeFalse();
    }

    private static DecisionOutcome Decide(AuthorizationRequest request, bool approve, DateTimeOffset now, bool byAdministrator = false) =>
        approve ? request.Approve("someone", request.RequestedScopes, now, byAdministrator) : request.Deny("someone", now);
}
