using OneMcp.Application.Gateway.Filtering;

namespace OneMcp.UnitTests.Gateway.Filtering;

public sealed class TagFilterParseTests
{
    [Theory]
    // single tags, case and whitespace
    [InlineData("web", "web")]
    [InlineData("WEB", "web")]
    [InlineData("  Web  ", "web")]
    [InlineData("web-api", "web-api")]
    [InlineData("a.b_c-d9", "a.b_c-d9")]
    [InlineData("web-", "web-")]
    [InlineData("android", "android")]
    [InlineData("orchid", "orchid")]
    [InlineData("nothing", "nothing")]
    [InlineData("_and", "_and")]
    // AND spellings
    [InlineData("a and b", "a and b")]
    [InlineData("a AND b", "a and b")]
    [InlineData("a AnD b", "a and b")]
    [InlineData("a && b", "a and b")]
    [InlineData("a&&b", "a and b")]
    [InlineData("a + b", "a and b")]
    [InlineData("a+b", "a and b")]
    // OR spellings
    [InlineData("a or b", "a or b")]
    [InlineData("a Or b", "a or b")]
    [InlineData("a || b", "a or b")]
    [InlineData("a||b", "a or b")]
    [InlineData("a , b", "a or b")]
    [InlineData("a,b", "a or b")]
    // NOT spellings
    [InlineData("not a", "not a")]
    [InlineData("NOT a", "not a")]
    [InlineData("!a", "not a")]
    [InlineData("! a", "not a")]
    [InlineData("-a", "not a")]
    [InlineData("-web-api", "not web-api")]
    [InlineData("not(a)", "not a")]
    [InlineData("-(a,b)", "not (a or b)")]
    [InlineData("!(a && b)", "not (a and b)")]
    // double negation cancels
    [InlineData("not not a", "a")]
    [InlineData("!!a", "a")]
    [InlineData("--a", "a")]
    [InlineData("!-not a", "not a")]
    [InlineData("not (not a)", "a")]
    // precedence NOT > AND > OR
    [InlineData("a or b and c", "a or (b and c)")]
    [InlineData("a and b or c", "(a and b) or c")]
    [InlineData("not a and b", "not a and b")]
    [InlineData("not a or b", "not a or b")]
    [InlineData("a,b+c", "a or (b and c)")]
    [InlineData("a||b&&!c", "a or (b and not c)")]
    [InlineData("web-api+-db", "web-api and not db")]
    [InlineData("a+b,c+d", "(a and b) or (c and d)")]
    // parentheses override precedence
    [InlineData("(a or b) and c", "(a or b) and c")]
    [InlineData("a and (b or c)", "a and (b or c)")]
    [InlineData("not (a or b) and c", "not (a or b) and c")]
    [InlineData("((a))", "a")]
    [InlineData("(((a or b)))", "a or b")]
    [InlineData("((a or b) and (c or (d and -e)))", "(a or b) and (c or (d and not e))")]
    // same-operator chains are flattened (left-associative, so equivalent)
    [InlineData("a or b or c", "a or b or c")]
    [InlineData("(a or b) or c", "a or b or c")]
    [InlineData("a or (b or c)", "a or b or c")]
    [InlineData("a and b and c", "a and b and c")]
    [InlineData("a and (b and c)", "a and b and c")]
    // whitespace
    [InlineData("\ta\nand\r\nb ", "a and b")]
    [InlineData("(web&&!db)||api", "(web and not db) or api")]
    [InlineData("( web AND NOT db ) OR api", "(web and not db) or api")]
    public void Parse_WhenValid_ProducesCanonicalForm(string expression, string canonical)
    {
        TagFilter.Parse(expression).ToString().ShouldBe(canonical);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void Parse_WhenEmptyOrWhitespace_ThrowsAtPositionOne(string expression)
    {
        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.Parse(expression));

        ex.Position.ShouldBe(1);
        ex.Message.ShouldBe("The expression is empty.");
    }

    [Theory]
    [InlineData("a and", 6, "Expected a tag at position 6 (end of expression).")]
    [InlineData("a and   ", 9, "Expected a tag at position 9 (end of expression).")]
    [InlineData("not", 4, "Expected a tag at position 4 (end of expression).")]
    [InlineData("-", 2, "Expected a tag at position 2 (end of expression).")]
    [InlineData("a or (b and", 12, "Expected a tag at position 12 (end of expression).")]
    [InlineData("(a or b", 1, "Unbalanced '(' opened at position 1.")]
    [InlineData("a or (b and c", 6, "Unbalanced '(' opened at position 6.")]
    [InlineData("((a) or b", 1, "Unbalanced '(' opened at position 1.")]
    [InlineData("(a or b))", 9, "Unexpected ')' at position 9.")]
    [InlineData("a and )", 7, "Unexpected ')' at position 7.")]
    [InlineData(")", 1, "Unexpected ')' at position 1.")]
    [InlineData("()", 2, "Unexpected ')' at position 2.")]
    [InlineData("a b", 3, "Unexpected 'b' at position 3.")]
    [InlineData("(a b)", 4, "Unexpected 'b' at position 4.")]
    [InlineData("a (b)", 3, "Unexpected '(' at position 3.")]
    [InlineData("and", 1, "Unexpected 'and' at position 1.")]
    [InlineData("a OR or b", 6, "Unexpected 'or' at position 6.")]
    [InlineData("a && || b", 6, "Unexpected '||' at position 6.")]
    [InlineData(", a", 1, "Unexpected ',' at position 1.")]
    [InlineData("a +", 4, "Expected a tag at position 4 (end of expression).")]
    [InlineData("a -b", 3, "Unexpected '-' at position 3.")]
    [InlineData("a not b", 3, "Unexpected 'not' at position 3.")]
    [InlineData("a!b", 2, "Unexpected '!' at position 2.")]
    [InlineData("not and a", 5, "Unexpected 'and' at position 5.")]
    [InlineData("a $ b", 3, "Invalid character '$' at position 3.")]
    [InlineData("web$", 4, "Invalid character '$' at position 4.")]
    [InlineData("a & b", 3, "Invalid character '&' at position 3.")]
    [InlineData("a | b", 3, "Invalid character '|' at position 3.")]
    [InlineData("a &", 3, "Invalid character '&' at position 3.")]
    [InlineData("a:b", 2, "Invalid character ':' at position 2.")]
    [InlineData("\"a\"", 1, "Invalid character '\"' at position 1.")]
    [InlineData("café", 4, "Invalid character 'é' at position 4.")]
    [InlineData("a\u0001", 2, "Invalid character U+0001 at position 2.")]
    public void Parse_WhenMalformed_ThrowsWithPosition(string expression, int position, string message)
    {
        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.Parse(expression));

        ex.Position.ShouldBe(position);
        ex.Message.ShouldBe(message);
    }

    [Fact]
    public void Parse_WhenTagTooLong_ThrowsInvalidTagAtItsStart()
    {
        var expression = "a or " + new string('x', 51);

        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.Parse(expression));

        ex.Position.ShouldBe(6);
        ex.Message.ShouldBe("Invalid tag at position 6: A tag must be at most 50 characters.");
    }

    [Fact]
    public void Parse_WhenTagHasMaximumLength_Succeeds()
    {
        var tag = new string('x', 50);

        TagFilter.Parse(tag).ToString().ShouldBe(tag);
    }

    [Fact]
    public void Parse_WhenLongerThanLimit_ThrowsSayingSo()
    {
        var expression = string.Join(" or ", Enumerable.Repeat("abcd", 200)); // 1596 chars

        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.Parse(expression));

        ex.Position.ShouldBe(1001);
        ex.Message.ShouldBe("The expression is longer than 1000 characters.");
    }

    [Fact]
    public void Parse_WhenExactlyAtLengthLimit_Succeeds()
    {
        var expression = "a" + new string(' ', 995) + "or b";

        expression.Length.ShouldBe(TagFilter.MaxExpressionLength);
        TagFilter.Parse(expression).ToString().ShouldBe("a or b");
    }

    [Fact]
    public void Parse_WhenNestedDeeperThanLimit_ThrowsSayingSo()
    {
        var expression = new string('(', 33) + "a" + new string(')', 33);

        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.Parse(expression));

        ex.Position.ShouldBe(33);
        ex.Message.ShouldBe("The expression is nested deeper than 32 levels at position 33.");
    }

    [Fact]
    public void Parse_WhenNestedExactlyToLimit_Succeeds()
    {
        var expression = new string('(', 32) + "a" + new string(')', 32);

        TagFilter.Parse(expression).ToString().ShouldBe("a");
    }

    [Fact]
    public void Parse_WhenSiblingGroupsEachWithinLimit_Succeeds()
    {
        var group = new string('(', 32) + "a" + new string(')', 32);

        TagFilter.Parse(group + " and " + group.Replace('a', 'b')).ToString().ShouldBe("a and b");
    }

    [Fact]
    public void Parse_WhenLongNotChain_DoesNotCountAsNesting()
    {
        var expression = string.Concat(Enumerable.Repeat("not ", 201)) + "a";

        TagFilter.Parse(expression).ToString().ShouldBe("not a");
    }

    [Fact]
    public void Parse_WhenNull_ThrowsArgumentNull()
    {
        Should.Throw<ArgumentNullException>(() => TagFilter.Parse(null!));
    }
}
