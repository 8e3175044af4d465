using System.Text;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Filtering;

internal sealed record NotNode(FilterNode Operand) : FilterNode
{
    public override bool Evaluate(IReadOnlyCollection<Tag> tags) => !Operand.Evaluate(tags);

    public override void CollectTags(HashSet<Tag> into) => Operand.CollectTags(into);

    public override void Write(StringBuilder builder)
    {
        builder.Append("not ");
        WriteOperand(builder, Operand);
    }
}
