using System.Text;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Filtering;

internal sealed record TagNode(Tag Tag) : FilterNode
{
    public override bool Evaluate(IReadOnlyCollection<Tag> tags) => tags switch
    {
        IReadOnlySet<Tag> set => set.Contains(Tag),
        ICollection<Tag> collection => collection.Contains(Tag),
        _ => ContainsByEnumeration(tags, Tag),
    };

    public override void CollectTags(HashSet<Tag> into) => into.Add(Tag);

    public override void Write(StringBuilder builder) => builder.Append(Tag.Value);

    private static bool ContainsByEnumeration(IReadOnlyCollection<Tag> tags, Tag tag)
    {
        foreach (var candidate in tags)
        {
            if (candidate == tag)
            {
                return true;
            }
        }

        return false;
    }
}
