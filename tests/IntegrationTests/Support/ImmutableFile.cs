using System.Diagnostics;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// Marks a file or folder immutable (<c>chattr +i</c>) until disposed. The tests run as root, whom file permissions do
/// not stop: an immutable file is one that not even root may write, as a read-only mount is.
/// </summary>
internal sealed class ImmutableFile : IDisposable
{
    private readonly string _path;

    private ImmutableFile(string path) => _path = path;

    public static ImmutableFile Set(string path)
    {
        Chattr("+i", path);
        return new ImmutableFile(path);
    }

    public void Dispose() => Chattr("-i", _path);

    private static void Chattr(string change, string path)
    {
        using var chattr = Process.Start(new ProcessStartInfo("chattr", [change, path]) { RedirectStandardError = true })!;
        var error = chattr.StandardError.ReadToEnd();
        chattr.WaitForExit();
        chattr.ExitCode.ShouldBe(0, $"chattr {change} {path}: {error}");
    }
}
