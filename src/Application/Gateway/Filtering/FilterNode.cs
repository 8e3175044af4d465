using System.Collections.Immutable;
using System.Text;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Filtering;

/// <summary>
/// A node of a parsed <see cref="TagFilter"/>. AND and OR are n-ary (operands of the same kind are
/// flattened) and double negation is removed, so the tree stays shallow and has one canonical form.
/// </summary>
internal abstract record FilterNode
{
    /// <summary>Evaluates the node against a backend's tags; allocates nothing.</summary>
    public abstract bool Evaluate(IReadOnlyCollection<Tag> tags);

    public abstract void CollectTags(HashSet<Tag> into);

    /// <summary>Appends the canonical, re-parsable text of this node.</summary>
    public abstract void Write(StringBuilder builder);

    /// <summary>AND/OR: parenthesised when it is the operand of another operator.</summary>
    protected virtual bool IsCompound => false;

    protected static void WriteOperand(StringBuilder builder, FilterNode operand)
    {
        if (operand.IsCompound)
        {
            builder.Append('(');
            operand.Write(builder);
            builder.Append(')');
        }
        else
        {
            operand.Write(builder);
        }
    }

    protected static void WriteJoined(StringBuilder builder, ImmutableArray<FilterNode> operands, string separator)
    {
        for (var i = 0; i < operands.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(separator);
            }

            WriteOperand(builder, operands[i]);
        }
    }
}
