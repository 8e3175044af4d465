namespace OneMcp.Infrastructure.Configuration;

/// <summary>Builds the JSON paths that locate configuration errors (<c>$.mcpServers.web.args[2]</c>).</summary>
internal static class JsonPath
{
    public const string Root = "$";

    public static string Property(string parent, string name) =>
        IsPlain(name) ? $"{parent}.{name}" : $"{parent}['{Escape(name)}']";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    // Server names may contain '.', and tool or header names anything at all; those use bracket
    // notation so a path always points at exactly one place in the file.
    private static bool IsPlain(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$');

    private static string Escape(string name) =>
        name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}
