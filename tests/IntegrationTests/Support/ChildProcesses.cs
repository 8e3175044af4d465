using System.Diagnostics;

namespace OneMcp.IntegrationTests.Support;

/// <summary>How a test ends a process it started: the whole tree, then its temporary folder.</summary>
internal static class ChildProcesses
{
    public static async ValueTask StopAsync(Process process, string? temporaryDirectory)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
        finally
        {
            process.Dispose();
            try
            {
                if (temporaryDirectory is not null && Directory.Exists(temporaryDirectory))
                {
                    Directory.Delete(temporaryDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}
