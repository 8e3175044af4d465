using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using ModelContextProtocol.AspNetCore;
using OneMcp.TestServer;
using OneMcp.TestServer.OAuth;
using OneMcp.TestServer.Tools;

if (!ServerSettings.TryParse(args, out var settings, out var error))
{
    await Console.Error.WriteLineAsync($"{error}\n{ServerSettings.Usage}");
    return 2;
}

if (settings.FailStart)
{
    // Simulates a backend that is down: the gateway must see a failed start, not a hang.
    await Console.Error.WriteLineAsync($"test server '{settings.Name}' refusing to start (--fail-start)");
    return 3;
}

if (settings.StartDelayMs > 0)
{
    // Simulates a backend that is slow to come up (async loading, connection timeouts).
    await Task.Delay(settings.StartDelayMs);
}

return settings.Transport == TransportKind.Http
    ? await RunHttpAsync(settings)
    : await RunStdioAsync(settings);

static async Task<int> RunStdioAsync(ServerSettings settings)
{
    // Empty builder: nothing is read from the working directory, and no CLI args leak into configuration.
    var builder = Host.CreateEmptyApplicationBuilder(settings: null);
    builder.Logging.ConfigureStderrLogging();
    builder.Services.AddTestMcpServer(settings).WithStdioServerTransport();

    using var host = builder.Build();
    await host.RunAsync();
    return 0;
}

static async Task<int> RunHttpAsync(ServerSettings settings)
{
    var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
    builder.Logging.ConfigureStderrLogging();
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, settings.Port));
    builder.Services.AddHttpContextAccessor();
    var mcp = builder.Services.AddTestMcpServer(settings).WithHttpTransport(options =>
    {
        // Stateless (the default) cannot push list_changed or make sampling/elicitation/roots requests; hybrid keeps
        // that for initialize clients and serves 2026-07-28 requests too (the benchmark's 2026-07-28 direct phases).
        options.SessionMode = settings.Hybrid ? HttpServerSessionMode.StatefulForInitializeClients : HttpServerSessionMode.Stateful;
#pragma warning disable MCP9004 // Legacy SSE is deprecated, but the gateway must still be tested against it.
        options.EnableLegacySse = true;
#pragma warning restore MCP9004
    });
    if (settings.Resumable)
    {
        // Every stream's events are kept (in memory) for a client that resumes it with Last-Event-ID: a feature of the
        // sessions that 2025-11-25 clients hold, which the gateway keeps with its backends.
        builder.Services.AddDistributedMemoryCache();
#pragma warning disable MCP9006
        mcp.WithDistributedCacheEventStreamStore().WithTools<ResumableTools>();
#pragma warning restore MCP9006
        if (settings.Faults)
        {
            mcp.WithTools<FaultTools>();
        }
    }

    if (settings.OAuth is { } oauth)
    {
        builder.Services.AddTestOAuth(oauth);
        mcp.WithTools<TokenSubjectTools>();
    }

    await using var app = builder.Build();

    if (settings.OAuth is not null)
    {
        // --require-oauth: the MCP endpoints below need a Bearer token from the embedded authorization server.
        app.UseTestOAuth();
        app.MapTestOAuth();
    }

    if (settings.SessionCookie)
    {
        // A server that signs its caller in with a cookie: whoever sends it back is that caller to the server.
        app.Use((context, next) =>
        {
            if (context.Request.Headers["X-Api-Key"].ToString() is { Length: > 0 } key)
            {
                context.Response.Headers.Append("Set-Cookie", $"session={Uri.EscapeDataString(key)}; Path=/");
            }

            return next(context);
        });
    }

    if (settings.Faults)
    {
        app.UseFaults(app.Services.GetRequiredService<ServerState>());
    }

    app.MapMcp("/mcp");
    // MapMcp puts the legacy endpoints next to its pattern; this second mapping serves them at /sse and /message
    // (it also answers streamable HTTP at /, which is harmless).
    app.MapMcp();

    await app.StartAsync();

    var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
        .Addresses.First();
    // Tests discover the port from this line, so it must be the only stdout output and be flushed at once.
    await Console.Out.WriteLineAsync($"LISTENING {address}");
    await Console.Out.FlushAsync();

    await app.WaitForShutdownAsync();
    return 0;
}
