using OneMcp.Application.Audit;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends.Commands;
using OneMcp.Application.Connections;
using OneMcp.Application.Connections.Commands;
using OneMcp.Application.Presets.Commands;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.Users.Commands;

namespace OneMcp.UnitTests.Audit;

/// <summary>What each family of commands is recorded as made to: the audit row's target.</summary>
public sealed class AuditedCommandTests
{
    private static readonly Guid RequestId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    private static string? TargetOf(object command) => AuditedCommand.Describe(command).ShouldNotBeNull().Target;

    [Fact]
    public void Describe_UserCommands_TargetTheUserChanged_NotTheAdministratorNorThePassword()
    {
        TargetOf(new AddUserCommand { UserName = "dee", Password = "a long secret password", Role = "admin" }).ShouldBe("dee");
        TargetOf(new UpdateUserCommand("bob", new UserEdit { Role = "member" })).ShouldBe("bob");
        TargetOf(new RemoveUserCommand("bob")).ShouldBe("bob");
        TargetOf(new SetPasswordCommand("bob", "hunter2 hunter2")).ShouldBe("bob");
    }

    [Fact]
    public void Describe_PresetCommands_TargetThePreset()
    {
        TargetOf(new CreatePresetCommand { Name = "dev", Expression = "web" }).ShouldBe("dev");
        TargetOf(new UpdatePresetCommand("dev", new PresetEdit { Expression = "web or db" })).ShouldBe("dev");
        TargetOf(new DeletePresetCommand("dev")).ShouldBe("dev");
    }

    [Fact]
    public void Describe_SetTagScope_TargetsTheTag() =>
        TargetOf(new SetTagScopeCommand("web", new TagScopeEdit { AllowedUsers = ["bob"] })).ShouldBe("web");

    [Fact]
    public void Describe_GrantsAndDecisions_TargetTheGrantTheRequestOrTheClient_AsTheCommandNamesThem()
    {
        TargetOf(new RevokeGrantCommand("grant-1", null)).ShouldBe("grant-1");
        TargetOf(new DecideAuthorizationRequestCommand(RequestId, "ada", Approve: true)).ShouldBe("0f8fad5b-d9cb-469f-a165-70867728950e");
        TargetOf(new DecideAuthorizationRequestCommand(RequestId, "ada", Approve: false)).ShouldBe("0f8fad5b-d9cb-469f-a165-70867728950e");
        TargetOf(new DecideClientConsentCommand(RequestId, "sub-bob", "client-9", "digest", Approve: false, [])).ShouldBe("client-9");
    }

    [Fact]
    public void Describe_AdministratorsConnectionCommands_TargetTheUserWhoseConnectionItIs()
    {
        var revoked = AuditedCommand.Describe(new RevokeConnectionCommand("keyed", "bob")).ShouldNotBeNull();
        var approved = AuditedCommand.Describe(new ApproveConnectionCommand("vault", "cy")).ShouldNotBeNull();

        (revoked.Backend, revoked.Target).ShouldBe(("keyed", "bob"));
        (approved.Backend, approved.Target).ShouldBe(("vault", "cy"));
    }

    [Fact]
    public void Describe_BackendCommandsSignInsAndOwnConnections_HaveNoTarget_TheirBackendOrUserHasItsOwnColumn()
    {
        TargetOf(new RemoveBackendCommand("alpha")).ShouldBeNull();
        TargetOf(new SignInCommand("bob", "hunter2", "192.0.2.1")).ShouldBeNull();
        TargetOf(new SetMySecretsCommand("keyed", new ConnectionOwner("sub-ada"), new Dictionary<string, string?> { ["API_KEY"] = "s3cret" })).ShouldBeNull();
        TargetOf(new DisconnectMyConnectionCommand("keyed", new ConnectionOwner("sub-ada"))).ShouldBeNull();
    }

    [Fact]
    public void Describe_WhenTheTargetIsOverlong_ClipsIt()
    {
        var name = new string('p', 100_000);

        TargetOf(new DeletePresetCommand(name)).ShouldBe(name[..AuditText.MaxLength]);
        TargetOf(new RevokeGrantCommand(name, null))!.Length.ShouldBe(AuditText.MaxLength);
    }

    [Fact]
    public void Describe_WhenACommandCarriesNoName_HasNoTarget() =>
        TargetOf(new AddUserCommand { Password = "a long secret password" }).ShouldBeNull();
}
