namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Something in the file that is accepted but ignored or deprecated (for example 1MCP keys OneMcp does
/// not support). Warnings never make a configuration invalid.
/// </summary>
public sealed record ConfigWarning(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
