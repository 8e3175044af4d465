using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Filtering;

/// <summary>
/// An immutable, parsed tag filter evaluated against a backend's tags.
/// <para>
/// Expression grammar (<see cref="Parse"/>): tags <c>[A-Za-z0-9_.-]+</c>, compared case-insensitively;
/// AND = <c>and</c> / <c>&amp;&amp;</c> / <c>+</c>; OR = <c>or</c> / <c>||</c> / <c>,</c>;
/// NOT = <c>not</c> / <c>!</c> / a <c>-</c> at the start of a term (<c>-web</c> negates <c>web</c>, while
/// <c>web-api</c> is one tag); parentheses; keywords are case-insensitive; precedence NOT &gt; AND &gt; OR.
/// </para>
/// </summary>
public sealed class TagFilter
{
    /// <summary>Longest accepted expression or tag list, in characters.</summary>
    public const int MaxExpressionLength = 1000;

    /// <summary>Deepest accepted parenthesis nesting.</summary>
    public const int MaxNestingDepth = 32;

    private readonly FilterNode _root;
    private readonly string _text;

    private TagFilter(FilterNode root)
    {
        _root = root;
        var tags = new HashSet<Tag>();
        root.CollectTags(tags);
        ReferencedTags = tags.ToFrozenSet();
        var builder = new StringBuilder();
        root.Write(builder);
        _text = builder.ToString();
    }

    /// <summary>Every tag the filter names, including those that appear only under NOT.</summary>
    public IReadOnlySet<Tag> ReferencedTags { get; }

    /// <summary>Parses a boolean tag filter expression such as <c>(web and not db) or api</c>.</summary>
    /// <exception cref="TagFilterSyntaxException">The expression is empty, too long, too deeply nested or malformed.</exception>
    public static TagFilter Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new TagFilter(TagFilterParser.Parse(expression));
    }

    /// <summary>A filter matching backends that have any of <paramref name="tags"/> (the <c>?tags=a,b</c> form).</summary>
    /// <exception cref="ArgumentException"><paramref name="tags"/> is empty.</exception>
    public static TagFilter AnyOf(IEnumerable<Tag> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var seen = new HashSet<Tag>();
        var operands = ImmutableArray.CreateBuilder<FilterNode>();
        foreach (var tag in tags)
        {
            if (tag.Value is null)
            {
                throw new ArgumentException("A tag is not initialised.", nameof(tags));
            }

            if (seen.Add(tag))
            {
                operands.Add(new TagNode(tag));
            }
        }

        return operands.Count switch
        {
            0 => throw new ArgumentException("At least one tag is required.", nameof(tags)),
            1 => new TagFilter(operands[0]),
            _ => new TagFilter(new OrNode(operands.ToImmutable())),
        };
    }

    /// <summary>
    /// Parses a comma-separated tag list (<c>a, b ,c</c>): tags are trimmed, empty entries ignored,
    /// and the result matches backends having any of the tags.
    /// </summary>
    /// <exception cref="TagFilterSyntaxException">The list is too long, holds no tag, or holds an invalid tag.</exception>
    public static TagFilter ParseTagList(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        if (csv.Length > MaxExpressionLength)
        {
            throw new TagFilterSyntaxException(
                $"The tag list is longer than {MaxExpressionLength} characters.", MaxExpressionLength + 1);
        }

        var tags = new List<Tag>();
        var start = 0;
        while (start <= csv.Length)
        {
            var comma = csv.IndexOf(',', start);
            var end = comma < 0 ? csv.Length : comma;
            var first = start;
            var last = end - 1;
            while (first <= last && char.IsWhiteSpace(csv[first]))
            {
                first++;
            }

            while (last >= first && char.IsWhiteSpace(csv[last]))
            {
                last--;
            }

            if (first <= last)
            {
                for (var i = first; i <= last; i++)
                {
                    if (!Tag.IsTagChar(csv[i]))
                    {
                        throw TagFilterParser.InvalidCharacter(csv[i], i + 1);
                    }
                }

                if (!Tag.TryParse(csv[first..(last + 1)], out var tag, out var error))
                {
                    throw TagFilterParser.InvalidTag(error, first + 1);
                }

                tags.Add(tag);
            }

            start = end + 1;
        }

        if (tags.Count == 0)
        {
            throw new TagFilterSyntaxException("The tag list contains no tags.", 1);
        }

        return AnyOf(tags);
    }

    /// <summary>True when a backend with <paramref name="backendTags"/> passes the filter. Allocates nothing.</summary>
    public bool Matches(IReadOnlyCollection<Tag> backendTags)
    {
        ArgumentNullException.ThrowIfNull(backendTags);
        return _root.Evaluate(backendTags);
    }

    /// <summary>
    /// The canonical form, e.g. <c>(web and not db) or api</c>: lower-case tags, word operators,
    /// compound operands parenthesised. For filters built by <see cref="Parse"/>,
    /// <c>Parse(f.ToString())</c> yields an equivalent filter with the same text.
    /// </summary>
    public override string ToString() => _text;
}
