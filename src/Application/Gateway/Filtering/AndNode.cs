using System.Collections.Immutable;
using System.Text;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Filtering;

internal sealed record AndNode(ImmutableArray<FilterNode> Operands) : FilterNode
{
    protected override bool IsCompound => true;

    public override bool Evaluate(IReadOnlyCollection<Tag> tags)
    {
        foreach (var operand in Operands)
        {
            if (!operand.Evaluate(tags))
            {
                return false;
            }
        }

        return true;
    }

    public override void CollectTags(HashSet<Tag> into)
    {
        foreach (var operand in Operands)
        {
            operand.CollectTags(into);
        }
    }

    public override void Write(StringBuilder builder) => WriteJoined(builder, Operands, " and ");
}
