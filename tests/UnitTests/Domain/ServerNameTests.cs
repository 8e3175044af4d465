using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.UnitTests.Domain;

public sealed class ServerNameTests
{
    [Theory]
    [InlineData("github")]
    [InlineData("a")]
    [InlineData("7")]
    [InlineData("My-Server.v2")]
    [InlineData("my_server")]
    [InlineData("a_1mcpx")]
    [InlineData("a1mcp_b")]
    [InlineData("trailing-")]
    [InlineData("trailing.")]
    public void From_WhenValid_KeepsTheValueAsGiven(string value)
    {
        var name = ServerName.From(value);

        name.Value.ShouldBe(value);
        name.ToString().ShouldBe(value);
        ServerName.TryValidate(value, out var error).ShouldBeTrue();
        error.ShouldBeNull();
    }

    [Fact]
    public void From_WhenExactlyMaxLength_Accepts()
    {
        var value = new string('a', ServerName.MaxLength);

        ServerName.From(value).Value.Length.ShouldBe(64);
    }

    [Theory]
    [InlineData(null, "must not be empty")]
    [InlineData("", "must not be empty")]
    [InlineData("a b", "may contain only")]
    [InlineData(" a", "may contain only")]
    [InlineData("a/b", "may contain only")]
    [InlineData("a:b", "may contain only")]
    [InlineData("../etc", "may contain only")]
    [InlineData("caf\u00e9", "may contain only")]
    [InlineData("a\u0000", "may contain only")]
    [InlineData("-lead", "must start with a letter or digit")]
    [InlineData("_lead", "must start with a letter or digit")]
    [InlineData(".lead", "must start with a letter or digit")]
    [InlineData("a_1mcp_b", "must not contain '_1mcp_'")]
    [InlineData("x_1mcp_", "must not contain '_1mcp_'")]
    [InlineData("1_1mcp_1mcp", "must not contain '_1mcp_'")]
    public void From_WhenInvalid_ThrowsDomainExceptionWithStableCode(string? value, string reason)
    {
        var ex = Should.Throw<DomainException>(() => ServerName.From(value));

        ex.Code.ShouldBe("backend.invalid_name");
        ex.Message.ShouldContain(reason);
        ServerName.TryValidate(value, out var error).ShouldBeFalse();
        error.ShouldBe(ex.Message);
    }

    [Fact]
    public void From_WhenLongerThanMaxLength_Throws()
    {
        var ex = Should.Throw<DomainException>(() => ServerName.From(new string('a', ServerName.MaxLength + 1)));

        ex.Code.ShouldBe("backend.invalid_name");
        ex.Message.ShouldContain("at most 64 characters");
    }

    [Fact]
    public void Equality_WhenSameValue_IsEqualAndCaseSensitive()
    {
        ServerName.From("db").ShouldBe(ServerName.From("db"));
        ServerName.From("db").ShouldNotBe(ServerName.From("DB"));
    }

    // Regression: a server name ending in "_1mcp" is accepted, but its prefixed names split at the wrong separator.
    [Theory]
    [InlineData("x_1mcp")]
    [InlineData("a_1mcp")]
    public void TryValidate_WhenServerNameEndsWith1mcp_RefusesIt(string name)
    {
        // "x_1mcp" + "_1mcp_" + "t" would split at the first separator into server "x" and tool "1mcp_t".
        ServerName.TryValidate(name, out var error).ShouldBeFalse();
        error.ShouldContain("_1mcp");
    }
}
