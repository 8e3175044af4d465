namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// One environment variable of a server as written. <paramref name="Substitute"/> is false for a value inherited
/// from the gateway's own environment (a bare <c>"NAME"</c>), which is passed through as it is.
/// </summary>
internal sealed record RawEnvEntry(string Key, string Value, string Path, bool Substitute);
