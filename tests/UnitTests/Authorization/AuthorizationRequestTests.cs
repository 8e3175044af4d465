using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.UnitTests.Authorization;

public sealed class AuthorizationRequestTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Approve_WhenItRequiresAnAdministratorAndTheDeciderIsNot_Throws()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", ["tag:prod"], "digest", T0, requiresAdministrator: true);

        var refused = Should.Throw<DomainException>(() => request.Approve("bob", ["tag:prod"], T0.AddMinutes(1)));

        refused.Code.ShouldBe("authorization_request.administrator_required");
        request.Status.ShouldBe(AuthorizationRequestStatus.Pending);
    }

    [Fact]
    public void Approve_ABackendConnection_DropsTheTokensFromThePayload()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", ["repo"], "protected-tokens", T0);

        request.Approve("ada", ["repo"], T0.AddMinutes(1), byAdministrator: true);

        request.Status.ShouldBe(AuthorizationRequestStatus.Approved);
        request.Payload.ShouldBeEmpty();
        request.RequiresAdministrator.ShouldBeTrue();
    }

    [Fact]
    public void Deny_ABackendConnection_DiscardsTheTokens()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", [], "protected-tokens", T0);

        request.Deny("ada", T0.AddMinutes(1));

        request.Payload.ShouldBeEmpty();
    }

    [Fact]
    public void ExpireIfDue_ABackendConnection_DiscardsTheTokens()
    {
        var request = AuthorizationRequest.ForBackend("ada", "github", [], "protected-tokens", T0);

        request.ExpireIfDue(T0 + AuthorizationRequest.Lifetime).ShouldBeTrue();

        request.Payload.ShouldBeEmpty();
    }

    [Fact]
    public void Deny_AClientConsent_KeepsItsParametersDigest()
    {
        var request = AuthorizationRequest.ForClient("bob", "c1", "Client", [], "digest", T0);

        request.Deny("bob", T0.AddMinutes(1));

        request.Payload.ShouldBe("digest");
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
}
