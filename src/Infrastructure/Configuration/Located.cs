namespace OneMcp.Infrastructure.Configuration;

/// <summary>A value as written in the configuration, with the JSON path it was read from (for errors found later).</summary>
internal readonly record struct Located<T>(T Value, string Path);
