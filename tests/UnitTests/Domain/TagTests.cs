using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.UnitTests.Domain;

public sealed class TagTests
{
    [Theory]
    [InlineData("web", "web")]
    [InlineData("Web", "web")]
    [InlineData("  DB  ", "db")]
    [InlineData("\tops\n", "ops")]
    [InlineData("a.b_c-d", "a.b_c-d")]
    [InlineData("v2", "v2")]
    [InlineData("_private", "_private")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("trailing-", "trailing-")]
    [InlineData("android", "android")]
    [InlineData("order", "order")]
    [InlineData("nothing", "nothing")]
    [InlineData("AND2", "and2")]
    public void From_WhenValid_TrimsAndLowerCases(string input, string expected)
    {
        Tag.From(input).Value.ShouldBe(expected);
        Tag.TryParse(input, out var tag, out var error).ShouldBeTrue();
        tag.Value.ShouldBe(expected);
        error.ShouldBeNull();
    }

    [Fact]
    public void From_WhenExactlyMaxLength_Accepts()
    {
        Tag.From(new string('t', Tag.MaxLength)).Value.Length.ShouldBe(50);
    }

    [Theory]
    [InlineData(null, "must not be empty")]
    [InlineData("", "must not be empty")]
    [InlineData("   ", "must not be empty")]
    [InlineData("-prod", "must not start with '-'")]
    [InlineData(" -prod", "must not start with '-'")]
    [InlineData("and", "filter operator")]
    [InlineData("OR", "filter operator")]
    [InlineData(" Not ", "filter operator")]
    [InlineData("a b", "may contain only")]
    [InlineData("a,b", "may contain only")]
    [InlineData("a+b", "may contain only")]
    [InlineData("!a", "may contain only")]
    [InlineData("(a)", "may contain only")]
    [InlineData("a&&b", "may contain only")]
    [InlineData("tag:web", "may contain only")]
    [InlineData("caf\u00e9", "may contain only")]
    public void From_WhenInvalid_ThrowsDomainExceptionWithStableCode(string? input, string reason)
    {
        var ex = Should.Throw<DomainException>(() => Tag.From(input));

        ex.Code.ShouldBe("tag.invalid");
        ex.Message.ShouldContain(reason);
        Tag.TryParse(input, out var tag, out var error).ShouldBeFalse();
        error.ShouldBe(ex.Message);
        tag.ShouldBe(default);
    }

    [Fact]
    public void From_WhenLongerThanMaxLength_Throws()
    {
        var ex = Should.Throw<DomainException>(() => Tag.From(new string('t', Tag.MaxLength + 1)));

        ex.Message.ShouldContain("at most 50 characters");
    }

    [Fact]
    public void From_WhenPaddedValueFitsAfterTrimming_Accepts()
    {
        Tag.From("  " + new string('t', Tag.MaxLength) + "  ").Value.Length.ShouldBe(Tag.MaxLength);
    }

    [Fact]
    public void Equality_WhenSpelledInDifferentCase_IsEqual()
    {
        Tag.From("Web").ShouldBe(Tag.From("WEB"));
        new StdioBackendSettings { Name = ServerName.From("a"), Command = "node", Tags = [Tag.From("Web")] }
            .HasTag(Tag.From("web")).ShouldBeTrue();
    }

    [Theory]
    [InlineData('a', true)]
    [InlineData('Z', true)]
    [InlineData('0', true)]
    [InlineData('_', true)]
    [InlineData('.', true)]
    [InlineData('-', true)]
    [InlineData(' ', false)]
    [InlineData(',', false)]
    [InlineData('!', false)]
    [InlineData('\u00e9', false)]
    public void IsTagChar_WhenAsked_MatchesTheFilterAlphabet(char c, bool expected)
    {
        Tag.IsTagChar(c).ShouldBe(expected);
    }
}
