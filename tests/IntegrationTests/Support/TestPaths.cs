namespace OneMcp.IntegrationTests.Support;

/// <summary>Where the built gateway and test server are, found from this test assembly's own location.</summary>
internal static class TestPaths
{
    public static readonly string RepositoryRoot = FindRoot();

    // bin/<Configuration>/net10.0 of this assembly names the configuration the solution was built in.
    private static readonly string Configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string TestServerDll => Existing(Path.Combine(RepositoryRoot, "tests", "TestServer", "bin", Configuration, "net10.0", "OneMcp.TestServer.dll"));

    public static string GatewayDll => Existing(Path.Combine(RepositoryRoot, "src", "Api", "bin", Configuration, "net10.0", "onemcp.dll"));

    public static string NullProxyDll => Existing(Path.Combine(RepositoryRoot, "bench", "NullProxy", "bin", Configuration, "net10.0", "OneMcp.NullProxy.dll"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OneMcp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OneMcp.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build OneMcp.sln).");
}
