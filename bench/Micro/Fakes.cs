using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Micro;

/// <summary>A connected backend with fixed settings and capabilities; it is never called.</summary>
internal sealed class StaticBackend(BackendSettings settings, BackendCapabilities capabilities) : IBackendConnection
{
    public ServerName Name => Settings.Name;

    public BackendSettings Settings { get; } = settings;

    public BackendState State { get; } = new(BackendStatus.Connected, null, null, 0);

    public BackendCapabilities Capabilities { get; } = capabilities;

    public ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CallToolResult { Content = [] });

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) => throw new NotSupportedException();
}

/// <summary>A pool over a fixed list of backends, sorted by name like the real one.</summary>
internal sealed class StaticPool : IBackendPool
{
    private readonly IBackendConnection[] _backends;
    private readonly string[] _names;

    public StaticPool(IEnumerable<IBackendConnection> backends)
    {
        _backends = [.. backends.OrderBy(b => b.Name.Value, StringComparer.Ordinal)];
        _names = [.. _backends.Select(b => b.Name.Value)];
    }

    public IReadOnlyList<IBackendConnection> Backends => _backends;

    public bool InitialLoadCompleted => true;

    public bool TryGet(ServerName name, [NotNullWhen(true)] out IBackendConnection? backend)
    {
        var index = Array.BinarySearch(_names, name.Value, StringComparer.Ordinal);
        backend = index >= 0 ? _backends[index] : null;
        return backend is not null;
    }
}

internal static class Backends
{
    private static readonly JsonElement Schema = JsonDocument.Parse(
        """{"type":"object","properties":{"message":{"type":"string","description":"What to echo"},"count":{"type":"integer"}},"required":["message"]}""").RootElement.Clone();

    /// <summary><paramref name="count"/> backends named b000, b001, ..., each with <paramref name="toolsEach"/> tools and the tags given by <paramref name="tagsOf"/>.</summary>
    public static List<IBackendConnection> Create(int count, int toolsEach, Func<int, string[]> tagsOf) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var name = $"b{i:000}";
            var settings = new StdioBackendSettings
            {
                Name = ServerName.From(name),
                Command = "node",
                Args = ["server.js"],
                Tags = [.. tagsOf(i).Select(Tag.From)],
            };
            var tools = Enumerable.Range(0, toolsEach)
                .Select(t => new Tool { Name = $"tool_{t:00}", Description = $"Tool {t} of {name}: does something useful with its input.", InputSchema = Schema })
                .ToList();
            return (IBackendConnection)new StaticBackend(settings, BackendCapabilities.Empty with { Tools = tools });
        })];
}
