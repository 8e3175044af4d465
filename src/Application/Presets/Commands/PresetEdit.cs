namespace OneMcp.Application.Presets.Commands;

/// <summary>The body of an edit: the new expression and description, and the version it is based on (the name is in the URL).</summary>
public sealed record PresetEdit
{
    public string? Expression { get; init; }
    public string? Description { get; init; }
    public int? ExpectedVersion { get; init; }
}
