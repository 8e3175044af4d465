using OneMcp.Api;
using OneMcp.Api.Cli;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Settings;

return await OneMcpCli.RunAsync(args, ServeAsync, MigrateAsync);

static async Task<int> ServeAsync(ServeOptions options, CancellationToken cancellationToken)
{
    WebApplication app;
    try
    {
        // Inside the try: building reads the data directory and the key file, which can fail as the start can.
        app = GatewayApp.Build(options);
    }
    catch (Exception e) when (OneMcpCli.IsStartFailure(e))
    {
        await Console.Error.WriteLineAsync($"onemcp: cannot start: {e.Message}");
        return OneMcpCli.ExitStartFailed;
    }

    await using (app)
    {
        return await RunAsync(app, cancellationToken);
    }
}

static async Task<int> RunAsync(WebApplication app, CancellationToken cancellationToken)
{
    try
    {
        await app.StartAsync(cancellationToken);
    }
    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || app.Lifetime.ApplicationStopping.IsCancellationRequested)
    {
        // Stopped (SIGTERM, Ctrl+C) while backends were still starting: a clean stop, not a failure.
        return OneMcpCli.ExitOk;
    }
    catch (Exception e) when (OneMcpCli.IsStartFailure(e))
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

static async Task<int> MigrateAsync(StorageOptions storage, CancellationToken cancellationToken)
{
    try
    {
        await using var services = GatewayServices.BuildForCommand(storage, logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Information));
        var applied = await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        Console.WriteLine(applied.Count == 0
            ? $"The database ({storage}) is up to date; nothing to apply."
            : $"The database ({storage}) is up to date; applied {applied.Count} migration(s): {string.Join(", ", applied)}.");
        return OneMcpCli.ExitOk;
    }
    catch (Exception e) when (OneMcpCli.IsStartFailure(e))
    {
        await Console.Error.WriteLineAsync($"onemcp: cannot migrate {storage}: {e.Message}");
        return OneMcpCli.ExitStartFailed;
    }
}

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
