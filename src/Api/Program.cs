using OneMcp.Api;
using OneMcp.Api.Cli;

return await OneMcpCli.RunAsync(args, ServeAsync);

static async Task<int> ServeAsync(ServeOptions options, CancellationToken cancellationToken)
{
    await using var app = GatewayApp.Build(options);
    try
    {
        await app.StartAsync(cancellationToken);
    }
    catch (Exception e) when (e is IOException or InvalidOperationException)
    {
        await Console.Error.WriteLineAsync($"onemcp: cannot start: {e.Message}");
        return OneMcpCli.ExitStartFailed;
    }

    foreach (var url in app.Urls)
    {
        // Scripts and tests read this line to learn the port (it matters with --port 0).
        Console.WriteLine($"OneMcp listening on {url}{OneMcp.Api.Http.GatewayRoutes.Mcp}");
    }

    await app.WaitForShutdownAsync(CancellationToken.None);
    return OneMcpCli.ExitOk;
}

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
