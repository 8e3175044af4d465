using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Configuration;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Starts the backends with the gateway, follows mcp.json edits, and stops every backend (and so every
/// child process) when the gateway stops. mcp.json is synced into the store (origin config) through
/// <see cref="BackendCatalog"/>, which then runs config ∪ API backends.
/// </summary>
public sealed partial class BackendHost(
    BackendPool pool,
    BackendHostOptions options,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<BackendHost>();
    private McpConfigWatcher? _watcher;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<BackendSettings> backends = [];
        if (options.ConfigPath is { } path)
        {
            _watcher = new McpConfigWatcher(path, OnConfigurationChangedAsync, loggerFactory.CreateLogger<McpConfigWatcher>(), timeProvider: time, options: options.Watcher);
            _watcher.Start();

            // Read again now that the watcher runs: the settings' check read the file before the host was built, and an
            // edit saved in between would otherwise be lost (the watcher only reports changes from its start). If that
            // edit is invalid, the checked content starts and the errors are logged, as for any later invalid edit.
            var initial = await new McpConfigFile().LoadAsync(path, cancellationToken);
            if (!initial.IsValid && options.InitialConfiguration is { IsValid: true } checkedAtStart)
            {
                LogInvalidErrors(initial);
                initial = checkedAtStart;
            }

            if (!initial.IsValid)
            {
                throw new InvalidOperationException($"{path}: {string.Join("; ", initial.Errors)}");
            }

            LogWarnings(initial);
            backends = initial.Backends;
        }

        LogStarting(_logger, backends.Count, options.AsyncLoading ? "asynchronously" : "before listening");
        try
        {
            if (options.ConfigPath is null)
            {
                await StartWithoutConfigAsync(cancellationToken);
            }
            else
            {
                await ApplyAsync(backends, waitForConnections: !options.AsyncLoading, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop while backends were still connecting: not a failed start. The backends that did
            // start are stopped with the pool in StopAsync.
            LogStoppedWhileStarting(_logger);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
            _watcher = null;
        }

        await pool.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
        }
    }

    private async Task OnConfigurationChangedAsync(McpConfigParseResult result, CancellationToken cancellationToken)
    {
        if (!result.IsValid)
        {
            LogInvalidErrors(result);
            return;
        }

        LogWarnings(result);
        LogReloading(_logger, result.Backends.Count);
        await ApplyAsync(result.Backends, waitForConnections: false, cancellationToken);
    }

    // No mcp.json: the stored backends run as they are, those an earlier mcp.json added included (never removed here).
    private async Task StartWithoutConfigAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BackendCatalog>().StartWithoutConfigAsync(!options.AsyncLoading, cancellationToken);
    }

    private async Task ApplyAsync(IReadOnlyList<BackendSettings> configured, bool waitForConnections, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<BackendCatalog>().SyncConfigAsync(configured, waitForConnections, cancellationToken);
        foreach (var name in report.Skipped)
        {
            LogSkipped(_logger, name);
        }
    }

    private void LogInvalidErrors(McpConfigParseResult result)
    {
        foreach (var error in result.Errors)
        {
            LogInvalidConfiguration(_logger, error.Path, error.Message);
        }
    }

    // What the file asks for and the gateway does not do (1MCP's templates, inheritParentEnv...): said, not applied.
    private void LogWarnings(McpConfigParseResult result)
    {
        foreach (var warning in result.Warnings)
        {
            LogConfigurationWarning(_logger, options.ConfigPath ?? "mcp.json", warning.Path, warning.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: {Path}: {Message}")]
    private static partial void LogConfigurationWarning(ILogger logger, string file, string path, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting {Count} backends {Mode}")]
    private static partial void LogStarting(ILogger logger, int count, string mode);

    [LoggerMessage(Level = LogLevel.Error, Message = "mcp.json server {Server} is not run: a backend registered through the API already has that name; rename one of them")]
    private static partial void LogSkipped(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration changed: applying {Count} backends")]
    private static partial void LogReloading(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration change ignored, the last good configuration keeps running: {Path}: {Message}")]
    private static partial void LogInvalidConfiguration(ILogger logger, string path, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped while backends were still starting")]
    private static partial void LogStoppedWhileStarting(ILogger logger);
}
