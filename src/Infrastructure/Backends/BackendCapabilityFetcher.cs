using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Fetches what a backend offers (tools, resources and templates, prompts; every page) and keeps the last
/// fetched set. Refreshes after <c>list_changed</c> run one at a time, each refetching only the kinds that changed.
/// </summary>
internal sealed class BackendCapabilityFetcher : IDisposable
{
    /// <summary>A backend that pages longer than this is cut off.</summary>
    internal const int MaxPages = 1000;

    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile BackendCapabilities _current = BackendCapabilities.Empty;

    /// <summary>The last fetched capabilities, whether or not the backend is still connected.</summary>
    public BackendCapabilities Current => _current;

    /// <summary>Fetches everything from a client that has just connected.</summary>
    public async Task LoadAsync(McpClient client, CancellationToken cancellationToken) =>
        _current = await FetchAsync(client, BackendCapabilities.Empty, CapabilityKinds.All, cancellationToken);

    /// <summary>Refetches <paramref name="kinds"/> within <paramref name="timeout"/>; on failure the previous lists stay.</summary>
    public async Task RefreshAsync(McpClient client, CapabilityKinds kinds, TimeSpan timeout, CancellationToken stopping)
    {
        await _refreshGate.WaitAsync(stopping);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(timeout);
            _current = await FetchAsync(client, _current, kinds, deadline.Token);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    public void Dispose() => _refreshGate.Dispose();

    private static async Task<BackendCapabilities> FetchAsync(McpClient client, BackendCapabilities current, CapabilityKinds kinds, CancellationToken cancellationToken)
    {
        var server = client.ServerCapabilities;
        var tools = current.Tools;
        var resources = current.Resources;
        var templates = current.ResourceTemplates;
        var prompts = current.Prompts;

        if (kinds.HasFlag(CapabilityKinds.Tools))
        {
            tools = server.Tools is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, ct),
                r => r.Tools, r => r.NextCursor, cancellationToken);
        }

        if (kinds.HasFlag(CapabilityKinds.Resources))
        {
            resources = server.Resources is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListResourcesAsync(new ListResourcesRequestParams { Cursor = cursor }, ct),
                r => r.Resources, r => r.NextCursor, cancellationToken);
            templates = server.Resources is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = cursor }, ct),
                r => r.ResourceTemplates, r => r.NextCursor, cancellationToken);
        }

        if (kinds.HasFlag(CapabilityKinds.Prompts))
        {
            prompts = server.Prompts is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = cursor }, ct),
                r => r.Prompts, r => r.NextCursor, cancellationToken);
        }

        return new BackendCapabilities(
            tools, resources, templates, prompts,
            client.ServerInstructions,
            SupportsCompletions: server.Completions is not null,
            SupportsResourceSubscribe: server.Resources?.Subscribe == true);
    }

    /// <summary>Reads every page; a backend that repeats a cursor or pages forever is cut off.</summary>
    internal static async Task<IReadOnlyList<TItem>> DrainAsync<TResult, TItem>(
        Func<string?, CancellationToken, Task<TResult>> list,
        Func<TResult, IList<TItem>> items,
        Func<TResult, string?> nextCursor,
        CancellationToken cancellationToken)
    {
        var all = new List<TItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var result = await list(cursor, cancellationToken);
            all.AddRange(items(result));
            cursor = nextCursor(result);
            if (cursor is null || !seen.Add(cursor))
            {
                break;
            }
        }

        return all;
    }
}
