using System.Collections;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Gateway.Filtering;

public sealed class TagFilterEvaluationTests
{
    private static Tag[] Tags(string csv) =>
        csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Tag.From).ToArray();

    [Theory]
    // single tag, case-insensitive on both sides
    [InlineData("web", "web", true)]
    [InlineData("WEB", "web", true)]
    [InlineData("web", "WEB", true)]
    [InlineData("web", "api", false)]
    [InlineData("web", "", false)]
    [InlineData("web-api", "web", false)]
    [InlineData("web-api", "web-api", true)]
    // AND truth table
    [InlineData("a and b", "", false)]
    [InlineData("a and b", "a", false)]
    [InlineData("a and b", "b", false)]
    [InlineData("a and b", "a,b", true)]
    [InlineData("a and b", "a,b,c", true)]
    // OR truth table
    [InlineData("a or b", "", false)]
    [InlineData("a or b", "a", true)]
    [InlineData("a or b", "b", true)]
    [InlineData("a or b", "a,b", true)]
    [InlineData("a or b", "c", false)]
    // NOT
    [InlineData("not a", "", true)]
    [InlineData("not a", "a", false)]
    [InlineData("-a", "b", true)]
    [InlineData("!a", "a,b", false)]
    [InlineData("not not a", "a", true)]
    // precedence: a or (b and c)
    [InlineData("a or b and c", "a", true)]
    [InlineData("a or b and c", "b", false)]
    [InlineData("a or b and c", "c", false)]
    [InlineData("a or b and c", "b,c", true)]
    // (a or b) and c
    [InlineData("(a or b) and c", "a", false)]
    [InlineData("(a or b) and c", "a,c", true)]
    [InlineData("(a or b) and c", "b,c", true)]
    [InlineData("(a or b) and c", "c", false)]
    // (not a) and b
    [InlineData("not a and b", "b", true)]
    [InlineData("not a and b", "a,b", false)]
    [InlineData("not a and b", "", false)]
    [InlineData("not (a and b)", "", true)]
    [InlineData("not (a and b)", "a", true)]
    [InlineData("not (a and b)", "a,b", false)]
    // typical use
    [InlineData("web+-test", "web", true)]
    [InlineData("web+-test", "web,test", false)]
    [InlineData("(web and not db) or api", "web,db", false)]
    [InlineData("(web and not db) or api", "web,db,api", true)]
    [InlineData("(web and not db) or api", "web", true)]
    [InlineData("(web and not db) or api", "db", false)]
    public void Matches_WhenEvaluated_FollowsTruthTable(string expression, string backendTags, bool expected)
    {
        TagFilter.Parse(expression).Matches(Tags(backendTags)).ShouldBe(expected);
    }

    [Fact]
    public void Matches_WhenGivenDifferentCollectionTypes_AgreesOnResult()
    {
        var filter = TagFilter.Parse("web and not db");
        var tags = Tags("api,web");

        filter.Matches(tags).ShouldBeTrue();
        filter.Matches(tags.ToList()).ShouldBeTrue();
        filter.Matches(tags.ToHashSet()).ShouldBeTrue();
        filter.Matches(new EnumerableOnlyCollection(tags)).ShouldBeTrue();
        filter.Matches(new EnumerableOnlyCollection(Tags("web,db"))).ShouldBeFalse();
    }

    [Fact]
    public void Matches_WhenWarm_AllocatesNothing()
    {
        var filter = TagFilter.Parse("(web and not db) or (api and (x or y or z)) or -q");
        IReadOnlyCollection<Tag> list = Tags("api,z,q").ToList();
        IReadOnlyCollection<Tag> set = Tags("web").ToHashSet();
        for (var i = 0; i < 100; i++)
        {
            filter.Matches(list);
            filter.Matches(set);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var matched = 0;
        for (var i = 0; i < 1000; i++)
        {
            matched += filter.Matches(list) ? 1 : 0;
            matched += filter.Matches(set) ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        matched.ShouldBe(2000);
        allocated.ShouldBe(0);
    }

    [Fact]
    public void Matches_WhenNull_ThrowsArgumentNull()
    {
        Should.Throw<ArgumentNullException>(() => TagFilter.Parse("a").Matches(null!));
    }

    [Theory]
    [InlineData("web", "web")]
    [InlineData("WEB or Api", "api,web")]
    [InlineData("web and not db", "db,web")]
    [InlineData("-test", "test")]
    [InlineData("not not a", "a")]
    [InlineData("a or A or (a and a)", "a")]
    [InlineData("(web and not db) or !(api || x.y) + -z", "api,db,web,x.y,z")]
    public void ReferencedTags_WhenParsed_IncludesEveryNamedTagIncludingNegated(string expression, string expected)
    {
        var referenced = TagFilter.Parse(expression).ReferencedTags;

        referenced.Select(t => t.Value).Order(StringComparer.Ordinal).ShouldBe(expected.Split(','));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("-web")]
    [InlineData("a or b and c")]
    [InlineData("not a and b")]
    [InlineData("not (a and b)")]
    [InlineData("(a || b) && !(c , d + -e)")]
    [InlineData("a+b,c+d,-(e,f)")]
    [InlineData("((a or (b and (c or not d))) and e) or not (f and g)")]
    [InlineData("WEB-API and Not web.v2 OR _x")]
    [InlineData("!!!a , --b")]
    public void ToString_WhenReparsed_MatchesIdentically(string expression)
    {
        var original = TagFilter.Parse(expression);

        var reparsed = TagFilter.Parse(original.ToString());

        reparsed.ToString().ShouldBe(original.ToString());
        reparsed.ReferencedTags.SetEquals(original.ReferencedTags).ShouldBeTrue();
        var universe = original.ReferencedTags.ToArray();
        for (var mask = 0; mask < 1 << universe.Length; mask++)
        {
            var backendTags = universe.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            reparsed.Matches(backendTags).ShouldBe(original.Matches(backendTags), $"tags [{string.Join(",", backendTags)}]");
        }
    }

    [Theory]
    [InlineData("a, b ,c", "a or b or c")]
    [InlineData("web", "web")]
    [InlineData("  Web  ", "web")]
    [InlineData(",a,,b,", "a or b")]
    [InlineData("A,a,b,B", "a or b")]
    [InlineData("web-api,x.y", "web-api or x.y")]
    [InlineData("\ta\t,\tb\t", "a or b")]
    public void ParseTagList_WhenValid_ProducesAnyOfFilter(string csv, string canonical)
    {
        TagFilter.ParseTagList(csv).ToString().ShouldBe(canonical);
    }

    [Theory]
    [InlineData("a,b", "b", true)]
    [InlineData("a,b", "a", true)]
    [InlineData("a,b", "c", false)]
    [InlineData("a,b", "", false)]
    [InlineData("A, B", "b", true)]
    public void ParseTagList_WhenMatched_RequiresAnyTag(string csv, string backendTags, bool expected)
    {
        TagFilter.ParseTagList(csv).Matches(Tags(backendTags)).ShouldBe(expected);
    }

    [Theory]
    [InlineData("", 1, "The tag list contains no tags.")]
    [InlineData(" , ,", 1, "The tag list contains no tags.")]
    [InlineData("a,b$c", 4, "Invalid character '$' at position 4.")]
    [InlineData("a, b c", 5, "Invalid character ' ' at position 5.")]
    [InlineData("a;b", 2, "Invalid character ';' at position 2.")]
    [InlineData("a,(b)", 3, "Invalid character '(' at position 3.")]
    [InlineData("a, caf\u00e9", 7, "Invalid character '\u00e9' at position 7.")]
    public void ParseTagList_WhenInvalid_ThrowsWithPosition(string csv, int position, string message)
    {
        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.ParseTagList(csv));

        ex.Position.ShouldBe(position);
        ex.Message.ShouldBe(message);
    }

    [Fact]
    public void ParseTagList_WhenTagTooLong_ThrowsInvalidTagAtItsStart()
    {
        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.ParseTagList("a,  " + new string('x', 51)));

        ex.Position.ShouldBe(5);
        ex.Message.ShouldBe("Invalid tag at position 5: A tag must be at most 50 characters.");
    }

    [Fact]
    public void ParseTagList_WhenLongerThanLimit_ThrowsSayingSo()
    {
        var ex = Should.Throw<TagFilterSyntaxException>(() => TagFilter.ParseTagList(new string(',', 1001)));

        ex.Position.ShouldBe(1001);
        ex.Message.ShouldBe("The tag list is longer than 1000 characters.");
    }

    [Fact]
    public void AnyOf_WhenGivenTags_MatchesAnyAndDeduplicates()
    {
        var filter = TagFilter.AnyOf([Tag.From("web"), Tag.From("API"), Tag.From("web")]);

        filter.ToString().ShouldBe("web or api");
        filter.ReferencedTags.Count.ShouldBe(2);
        filter.Matches(Tags("api")).ShouldBeTrue();
        filter.Matches(Tags("db")).ShouldBeFalse();
    }

    [Fact]
    public void AnyOf_WhenSingleTag_IsThatTag()
    {
        TagFilter.AnyOf([Tag.From("web")]).ToString().ShouldBe("web");
    }

    [Fact]
    public void AnyOf_WhenEmpty_Throws()
    {
        Should.Throw<ArgumentException>(() => TagFilter.AnyOf([]));
    }

    [Fact]
    public void AnyOf_WhenTagIsDefault_Throws()
    {
        Should.Throw<ArgumentException>(() => TagFilter.AnyOf([default]));
    }

    /// <summary>Implements only IReadOnlyCollection, to exercise the enumeration fallback.</summary>
    private sealed class EnumerableOnlyCollection(IReadOnlyList<Tag> items) : IReadOnlyCollection<Tag>
    {
        public int Count => items.Count;

        public IEnumerator<Tag> GetEnumerator() => items.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
