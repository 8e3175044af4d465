using FluentValidation;
using FluentValidation.Results;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.UnitTests.ControlPlane;

/// <summary>How a use case's exception is told to the caller (ADR 0006), whatever the surface.</summary>
public sealed class ControlPlaneErrorTests
{
    [Fact]
    public void Of_AValidationFailure_IsInvalidWithTheMessagesByField()
    {
        var error = ControlPlaneError.Of(new ValidationException(
            [new ValidationFailure("name", "name is required."), new ValidationFailure("name", "name is required."), new ValidationFailure("url", "bad url.")]));

        error.ShouldNotBeNull().Kind.ShouldBe(ControlPlaneErrorKind.Invalid);
        error.Code.ShouldBeNull();
        error.Errors.ShouldNotBeNull()["name"].ShouldBe(["name is required."]);
        error.Errors["url"].ShouldBe(["bad url."]);
    }

    [Theory]
    [InlineData("backend.read_only", ControlPlaneErrorKind.Conflict)]
    [InlineData("authorization_request.expired", ControlPlaneErrorKind.Conflict)]
    [InlineData("user.external_password", ControlPlaneErrorKind.Conflict)]
    [InlineData("backend.invalid_url", ControlPlaneErrorKind.Invalid)]
    public void Of_ADomainRule_IsAConflictOnlyWhenTheStateForbidsIt(string code, ControlPlaneErrorKind kind)
    {
        var error = ControlPlaneError.Of(new DomainException(code, "refused.")).ShouldNotBeNull();

        error.Kind.ShouldBe(kind);
        error.Code.ShouldBe(code);
        error.Detail.ShouldBe("refused.");
    }

    [Fact]
    public void Of_TheStateExceptions_AreConflictsWithTheirCodes()
    {
        ControlPlaneError.Of(new DuplicateNameException("backend", "web")).ShouldNotBeNull().Code.ShouldBe("duplicate_name");
        ControlPlaneError.Of(new ConcurrencyConflictException("backend", Guid.NewGuid(), "github")).ShouldNotBeNull().Code.ShouldBe("version_conflict");
        var last = ControlPlaneError.Of(new LastAdminException("alice")).ShouldNotBeNull();
        last.Kind.ShouldBe(ControlPlaneErrorKind.Conflict);
        last.Code.ShouldBe("user.last_admin");
    }

    [Fact]
    public void Of_NotFoundAndUpstream_HaveTheirKinds()
    {
        ControlPlaneError.Of(new NotFoundException("backend", "web")).ShouldNotBeNull().Kind.ShouldBe(ControlPlaneErrorKind.NotFound);
        var upstream = ControlPlaneError.Of(new Application.Backends.OAuth.BackendOAuthException("server_error", "down")).ShouldNotBeNull();
        upstream.Kind.ShouldBe(ControlPlaneErrorKind.Upstream);
        upstream.Code.ShouldBe("server_error");
    }

    [Fact]
    public void Of_AnyOtherException_IsNoUseCaseError() =>
        ControlPlaneError.Of(new InvalidOperationException("bug")).ShouldBeNull();
}
