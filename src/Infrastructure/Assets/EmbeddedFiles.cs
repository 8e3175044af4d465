using System.Collections.Frozen;
using System.Reflection;

namespace OneMcp.Infrastructure.Assets;

/// <summary>
/// The files an assembly embeds under a resource-name prefix (<c>wwwroot/oauth/</c>, say), by their path below it,
/// read once. Only files of a known web content type are kept.
/// </summary>
public sealed class EmbeddedFiles
{
    private readonly FrozenDictionary<string, EmbeddedFile> _files;

    private EmbeddedFiles(FrozenDictionary<string, EmbeddedFile> files) => _files = files;

    public static EmbeddedFiles Load(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var files = new Dictionary<string, EmbeddedFile>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var normalized = name.Replace('\\', '/');
            if (!normalized.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var relative = normalized[prefix.Length..];
            if (ContentTypeOf(relative) is not { } contentType)
            {
                continue;
            }

            files[relative] = new EmbeddedFile(Read(assembly, name), contentType);
        }

        return new EmbeddedFiles(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public bool TryGetValue(string path, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out EmbeddedFile file) => _files.TryGetValue(path, out file);

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string? ContentTypeOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" => "application/json",
        _ => null,
    };
}
