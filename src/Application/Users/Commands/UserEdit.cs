namespace OneMcp.Application.Users.Commands;

/// <summary>The body of <c>PATCH /api/users/{name}</c>: absent fields stay as they are.</summary>
public sealed record UserEdit
{
    public string? Role { get; init; }

    public bool? Disabled { get; init; }
}
