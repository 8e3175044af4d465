using OneMcp.Application.Users.Commands;

namespace OneMcp.UnitTests.Users;

public sealed class UserValidatorTests
{
    private const string GoodPassword = "correct horse battery";

    [Theory]
    [InlineData("short-pass1", "at least 12 characters")]
    [InlineData("", "A password is required.")]
    [InlineData("aaaaaaaaaaaaaaaa", "must not repeat a single character")]
    [InlineData("Alice.Example1", "must not be the user name")]
    public async Task AddUser_WhenThePasswordBreaksThePolicy_SaysWhichRuleWithoutRepeatingIt(string password, string message)
    {
        var result = await new AddUserValidator().ValidateAsync(new AddUserCommand { UserName = "alice.example1", Password = password });

        var error = result.Errors.ShouldHaveSingleItem();
        error.PropertyName.ShouldBe("password");
        error.ErrorMessage.ShouldContain(message);
        if (password.Length > 0)
        {
            error.ErrorMessage.ShouldNotContain(password);
        }
    }

    [Fact]
    public async Task AddUser_WhenThePasswordIsLongEnoughAndVaried_IsAccepted()
    {
        var result = await new AddUserValidator().ValidateAsync(new AddUserCommand { UserName = "alice", Password = GoodPassword, Role = "admin" });

        result.IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("ünïcode")]
    public async Task AddUser_WhenTheNameIsInvalid_ReportsTheName(string name)
    {
        var result = await new AddUserValidator().ValidateAsync(new AddUserCommand { UserName = name, Password = GoodPassword });

        result.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("userName");
    }

    [Fact]
    public async Task AddUser_WhenTheNameIsTooLong_ReportsTheName()
    {
        var result = await new AddUserValidator().ValidateAsync(new AddUserCommand { UserName = new string('a', 65), Password = GoodPassword });

        result.Errors.ShouldHaveSingleItem().PropertyName.ShouldBe("userName");
    }

    [Theory]
    [InlineData("root")]
    [InlineData("")]
    [InlineData(null)]
    public async Task AddUser_WhenTheRoleIsUnknown_SaysWhichRolesExist(string? role)
    {
        var result = await new AddUserValidator().ValidateAsync(new AddUserCommand { UserName = "alice", Password = GoodPassword, Role = role });

        var error = result.Errors.ShouldHaveSingleItem();
        error.PropertyName.ShouldBe("role");
        error.ErrorMessage.ShouldBe("The role must be 'admin' or 'member'.");
    }

    [Fact]
    public async Task AddUser_WithoutARole_MakesAMember()
    {
        new AddUserCommand().Role.ShouldBe("member");
        (await new AddUserValidator().ValidateAsync(new AddUserCommand { UserName = "bob", Password = GoodPassword })).IsValid.ShouldBeTrue();
    }

    [Fact]
    public async Task SetPassword_AppliesTheSamePolicy()
    {
        var result = await new SetPasswordValidator().ValidateAsync(new SetPasswordCommand("alice", "too-short"));

        result.Errors.ShouldHaveSingleItem().ErrorMessage.ShouldContain("at least 12 characters");
    }

    [Fact]
    public void Commands_NeverPrintThePassword()
    {
        new AddUserCommand { UserName = "alice", Password = GoodPassword }.ToString().ShouldNotContain(GoodPassword);
        new SetPasswordCommand("alice", GoodPassword).ToString().ShouldNotContain(GoodPassword);
        new EnsureAdminFromEnvironmentCommand("alice", GoodPassword).ToString().ShouldNotContain(GoodPassword);
    }

    [Theory]
    [InlineData("admin", null)]
    [InlineData(null, "correct horse battery")]
    public async Task EnsureAdmin_WhenOnlyOneVariableIsSet_AsksForBoth(string? userName, string? password)
    {
        var result = await new EnsureAdminFromEnvironmentValidator().ValidateAsync(new EnsureAdminFromEnvironmentCommand(userName, password));

        result.Errors.ShouldHaveSingleItem().ErrorMessage.ShouldContain("set both or neither");
    }

    [Theory]
    [InlineData("root", "weak", "ONEMCP_ADMIN_PASSWORD: The password is too short")]
    [InlineData("rootrootroot", "RootRootRoot", "ONEMCP_ADMIN_PASSWORD: The password must not be the user name.")]
    [InlineData("not a name", GoodPassword, "ONEMCP_ADMIN_USERNAME: A user name has")]
    public async Task EnsureAdmin_WhenAVariableBreaksARuleOfUsersAdd_NamesTheVariableWithoutRepeatingThePassword(string userName, string password, string message)
    {
        var result = await new EnsureAdminFromEnvironmentValidator().ValidateAsync(new EnsureAdminFromEnvironmentCommand(userName, password));

        var error = result.Errors.ShouldHaveSingleItem();
        error.ErrorMessage.ShouldStartWith(message);
        error.ErrorMessage.ShouldNotContain(password);
    }

    [Fact]
    public void EnsureAdmin_FromEnvironment_ReadsTheTwoVariablesAndTreatsEmptyAsUnset()
    {
        var variables = new Dictionary<string, string?> { ["ONEMCP_ADMIN_USERNAME"] = " root ", ["ONEMCP_ADMIN_PASSWORD"] = "" };

        var command = EnsureAdminFromEnvironmentCommand.FromEnvironment(name => variables.GetValueOrDefault(name));

        command.UserName.ShouldBe("root");
        command.Password.ShouldBeNull();
    }
}
