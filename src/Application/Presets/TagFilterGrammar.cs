using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets;

/// <summary>The grammar <c>?tag-filter=</c> uses (<see cref="TagFilter.Parse"/>), as presets check their expression with it.</summary>
public sealed class TagFilterGrammar : ITagFilterGrammar
{
    public static readonly TagFilterGrammar Instance = new();

    private TagFilterGrammar()
    {
    }

    public string? Check(string expression)
    {
        try
        {
            TagFilter.Parse(expression);
            return null;
        }
        catch (TagFilterSyntaxException e)
        {
            // Not an error of the gateway: the answer to the question, what is wrong with this expression.
            return e.Message;
        }
    }
}
