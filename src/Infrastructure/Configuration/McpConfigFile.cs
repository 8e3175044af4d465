using System.Globalization;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Reads an <c>mcp.json</c> from disk and parses it. Bad content (missing or unreadable file, invalid
/// JSON, invalid configuration) always comes back as an invalid <see cref="McpConfigParseResult"/>, so
/// a reload triggered by a half-saved file can never take the gateway down.
/// </summary>
/// <param name="environment">Variable lookup for <c>${VAR}</c>; the process environment when null.</param>
public sealed class McpConfigFile(Func<string, string?>? environment = null)
{
    /// <summary>Far beyond any real configuration; stops a wrong path (a log, a disk image) being read into memory.</summary>
    public const long MaxFileBytes = 4 * 1024 * 1024;

    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public async Task<McpConfigParseResult> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        string json;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return McpConfigParseResult.Failure(JsonPath.Root, $"The configuration file '{path}' does not exist.");
            }

            if (info.Length > MaxFileBytes)
            {
                return McpConfigParseResult.Failure(
                    JsonPath.Root,
                    string.Create(CultureInfo.InvariantCulture, $"The configuration file '{path}' is larger than {MaxFileBytes / 1024 / 1024} MiB."));
            }

            json = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Deleted between the existence check and the read: an editor replacing the file.
            return McpConfigParseResult.Failure(JsonPath.Root, $"The configuration file '{path}' does not exist.");
        }
        catch (UnauthorizedAccessException)
        {
            return McpConfigParseResult.Failure(JsonPath.Root, $"Permission denied reading the configuration file '{path}'.");
        }
        catch (IOException ex)
        {
            return McpConfigParseResult.Failure(JsonPath.Root, $"Cannot read the configuration file '{path}': {ex.Message}");
        }

        return McpConfigParser.Parse(json, _environment);
    }
}
