namespace OneMcp.Application.Backends.Commands;

/// <summary>The body of an edit: the whole new definition and the version it is based on (the name is in the URL).</summary>
public sealed record BackendEdit : BackendDefinition
{
    public int? ExpectedVersion { get; init; }
}
