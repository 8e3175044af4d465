namespace OneMcp.Domain.Common;

/// <summary>A repository refused to add an aggregate whose unique name is taken.</summary>
public sealed class DuplicateNameException(string aggregate, string name)
    : Exception($"A {aggregate} named '{name}' already exists.")
{
    public string Aggregate { get; } = aggregate;

    public string Name { get; } = name;
}
