namespace OneMcp.UnitTests.Configuration;

/// <summary>A throw-away directory holding one mcp.json.</summary>
internal sealed class TempConfigDirectory : IDisposable
{
    public TempConfigDirectory()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("onemcp-config-").FullName;
        FilePath = Path.Combine(Directory, "mcp.json");
    }

    public string Directory { get; }

    public string FilePath { get; }

    /// <summary>A valid file whose single stdio server is called <paramref name="serverName"/>.</summary>
    public static string ConfigWithServer(string serverName) =>
        $$"""{ "mcpServers": { "{{serverName}}": { "command": "run" } } }""";

    public void Write(string content) => File.WriteAllText(FilePath, content);

    public void WriteServer(string serverName) => Write(ConfigWithServer(serverName));

    /// <summary>Saves the way many editors do: write a temporary file, then rename it over the original.</summary>
    public void ReplaceByRename(string content)
    {
        var temporary = FilePath + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, FilePath, overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
