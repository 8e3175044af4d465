using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Gateway.Filtering;

public sealed class SessionFilterTests
{
    private static readonly Dictionary<string, string> Presets = new(StringComparer.Ordinal)
    {
        ["dev"] = "web and not prod",
        ["broken"] = "web and )",
        ["blank"] = "  ",
    };

    private static string? Resolve(string name) => Presets.GetValueOrDefault(name);

    private static Tag[] Tags(string csv) =>
        csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Tag.From).ToArray();

    [Fact]
    public void FromQuery_WhenNothingGiven_ReturnsNone()
    {
        var filter = SessionFilter.FromQuery(null, null, null, Resolve);

        filter.ShouldBeSameAs(SessionFilter.None);
        filter.Kind.ShouldBe(SessionFilterKind.None);
        filter.Filter.ShouldBeNull();
        filter.PresetName.ShouldBeNull();
        filter.RequestedTags.ShouldBeEmpty();
        filter.Describe().ShouldBeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("web")]
    [InlineData("web,db")]
    public void Allows_WhenNone_AllowsEveryBackend(string backendTags)
    {
        SessionFilter.None.Allows(Tags(backendTags)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("a", "a", null)]
    [InlineData("a", null, "dev")]
    [InlineData(null, "a", "dev")]
    [InlineData("a", "a", "dev")]
    [InlineData("", "", null)]
    [InlineData("", null, "")]
    [InlineData("a", "not valid (", null)]
    public void FromQuery_WhenMoreThanOneParameter_Throws(string? tags, string? tagFilter, string? preset)
    {
        var ex = Should.Throw<SessionFilterException>(() => SessionFilter.FromQuery(tags, tagFilter, preset, Resolve));

        ex.Message.ShouldBe("Use only one of 'tags', 'tag-filter' and 'preset'.");
    }

    [Fact]
    public void FromQuery_WhenTags_BuildsAnyOfFilter()
    {
        var filter = SessionFilter.FromQuery("Web, api", null, null, Resolve);

        filter.Kind.ShouldBe(SessionFilterKind.Tags);
        filter.PresetName.ShouldBeNull();
        filter.RequestedTags.Select(t => t.Value).Order(StringComparer.Ordinal).ShouldBe(["api", "web"]);
        filter.Allows(Tags("api")).ShouldBeTrue();
        filter.Allows(Tags("web,db")).ShouldBeTrue();
        filter.Allows(Tags("db")).ShouldBeFalse();
        filter.Allows(Tags("")).ShouldBeFalse();
        filter.Describe().ShouldBe("tags: web or api");
    }

    [Fact]
    public void FromQuery_WhenTagFilter_BuildsExpressionFilter()
    {
        var filter = SessionFilter.FromQuery(null, "web && -db", null, Resolve);

        filter.Kind.ShouldBe(SessionFilterKind.Expression);
        filter.RequestedTags.Select(t => t.Value).Order(StringComparer.Ordinal).ShouldBe(["db", "web"]);
        filter.Allows(Tags("web")).ShouldBeTrue();
        filter.Allows(Tags("web,db")).ShouldBeFalse();
        filter.Describe().ShouldBe("tag-filter: web and not db");
    }

    [Fact]
    public void FromQuery_WhenPreset_ResolvesStoredExpression()
    {
        string? requested = null;

        var filter = SessionFilter.FromQuery(null, null, "dev", name =>
        {
            requested = name;
            return Resolve(name);
        });

        requested.ShouldBe("dev");
        filter.Kind.ShouldBe(SessionFilterKind.Preset);
        filter.PresetName.ShouldBe("dev");
        filter.RequestedTags.Select(t => t.Value).Order(StringComparer.Ordinal).ShouldBe(["prod", "web"]);
        filter.Allows(Tags("web")).ShouldBeTrue();
        filter.Allows(Tags("web,prod")).ShouldBeFalse();
        filter.Describe().ShouldBe("preset 'dev': web and not prod");
    }

    [Theory]
    [InlineData("", null, null, "The 'tags' parameter is empty.")]
    [InlineData("  ", null, null, "The 'tags' parameter is empty.")]
    [InlineData(null, "", null, "The 'tag-filter' parameter is empty.")]
    [InlineData(null, " \t", null, "The 'tag-filter' parameter is empty.")]
    [InlineData(null, null, "", "The 'preset' parameter is empty.")]
    [InlineData(" ,, ", null, null, "Invalid tags: The tag list contains no tags.")]
    [InlineData("a,b$", null, null, "Invalid tags: Invalid character '$' at position 4.")]
    [InlineData(null, "web and )", null, "Invalid tag-filter: Unexpected ')' at position 9.")]
    [InlineData(null, "(web", null, "Invalid tag-filter: Unbalanced '(' opened at position 1.")]
    [InlineData(null, "web or", null, "Invalid tag-filter: Expected a tag at position 7 (end of expression).")]
    [InlineData(null, "a % b", null, "Invalid tag-filter: Invalid character '%' at position 3.")]
    [InlineData(null, null, "nope", "Unknown preset 'nope'.")]
    [InlineData(null, null, "DEV", "Unknown preset 'DEV'.")]
    [InlineData(null, null, "broken", "Preset 'broken' has an invalid filter: Unexpected ')' at position 9.")]
    [InlineData(null, null, "blank", "Preset 'blank' has an invalid filter: The expression is empty.")]
    public void FromQuery_WhenParameterInvalid_ThrowsNamingIt(string? tags, string? tagFilter, string? preset, string message)
    {
        var ex = Should.Throw<SessionFilterException>(() => SessionFilter.FromQuery(tags, tagFilter, preset, Resolve));

        ex.Message.ShouldBe(message);
    }

    [Fact]
    public void FromQuery_WhenSyntaxError_KeepsSyntaxExceptionAsInner()
    {
        var ex = Should.Throw<SessionFilterException>(() => SessionFilter.FromQuery(null, "a and )", null, Resolve));

        var inner = ex.InnerException.ShouldBeOfType<TagFilterSyntaxException>();
        inner.Position.ShouldBe(7);
    }

    [Fact]
    public void FromQuery_WhenExpressionTooLong_SaysSo()
    {
        var ex = Should.Throw<SessionFilterException>(
            () => SessionFilter.FromQuery(null, string.Join(" or ", Enumerable.Repeat("abc", 300)), null, Resolve));

        ex.Message.ShouldBe("Invalid tag-filter: The expression is longer than 1000 characters.");
    }

    [Fact]
    public void FromQuery_WhenResolverIsNull_ThrowsArgumentNull()
    {
        Should.Throw<ArgumentNullException>(() => SessionFilter.FromQuery(null, null, null, null!));
    }

    [Fact]
    public void FromQuery_WhenNotPreset_DoesNotCallResolver()
    {
        var calls = 0;

        SessionFilter.FromQuery("a", null, null, _ =>
        {
            calls++;
            return null;
        });

        calls.ShouldBe(0);
    }
}
