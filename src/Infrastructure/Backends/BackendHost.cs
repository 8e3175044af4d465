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

            var initial = options.InitialConfiguration ?? await new McpConfigFile().LoadAsync(path, cancellationToken);
            if (!initial.IsValid)
            {
                throw new InvalidOperationException($"{path}: {string.Join("; ", initial.Errors)}");
            }

            backends = initial.Backends;
        }

        LogStarting(_logger, backends.Count, options.AsyncLoading ? "asynchronously" : "before listening");
        try
        {
            await ApplyAsync(backends, waitForConnections: !options.AsyncLoading, cancellationToken);
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
            foreach (var error in result.Errors)
            {
                LogInvalidConfiguration(_logger, error.Path, error.Message);
            }

            return;
        }

        LogReloading(_logger, result.Backends.Count);
        await ApplyAsync(result.Backends, waitForConnections: false, cancellationToken);
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
