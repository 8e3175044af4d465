namespace OneMcp.Infrastructure.Diagnostics;

/// <summary>How log entries are written to the console (<c>--log-format</c>).</summary>
public enum LogFormat
{
    Text,
    Json,
}
