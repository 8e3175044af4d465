using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OneMcp.LoadGen;

/// <summary>The numbers of one measured phase.</summary>
internal sealed record PhaseResult(
    string Name,
    int Sessions,
    double DurationS,
    long Requests,
    long Errors,
    double ReqPerSec,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double? RssLoadMb,
    string? FirstError,
    double? CpuUsPerCall = null);

/// <summary>
/// MCP sessions on one streamable-HTTP endpoint: opened with a raw initialize each, then looping
/// <c>tools/call</c> over one shared, lean HttpClient (one connection pool). In the 2026-07-28 mode there is no
/// initialize and no session: each client loops self-contained <c>tools/call</c> POSTs written as the revision puts
/// them on the wire (the <c>MCP-Protocol-Version</c>, <c>Mcp-Method</c> and <c>Mcp-Name</c> headers, and the protocol
/// version, client capabilities and client info in the request's <c>_meta</c>).
/// </summary>
internal sealed class LoadRunner
{
    /// <summary>The revision the 2026-07-28 mode speaks.</summary>
    public const string StatelessRevision = "2026-07-28";

    // What every 2026-07-28 request carries in place of the initialize handshake.
    private const string StatelessMeta =
        "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + StatelessRevision + "\",\"io.modelcontextprotocol/clientCapabilities\":{},"
        + "\"io.modelcontextprotocol/clientInfo\":{\"name\":\"onemcp-loadgen\",\"version\":\"1\"}}";

    private const int MaxRequestsPerSession = 5_000_000;
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly byte[] _bodyPrefix;
    private readonly byte[] _bodySuffix;
    // One entry per client: its session id, or null for a 2026-07-28 client (no session).
    private readonly List<string?> _sessionIds = [];
    private readonly string? _authorization;
    private readonly string _tool;
    private readonly bool _stateless;

    /// <param name="http">The shared client.</param>
    /// <param name="endpoint">The MCP endpoint.</param>
    /// <param name="tool">The tool every measured call invokes.</param>
    /// <param name="bearerToken">An access token for a gateway running with --enable-auth.</param>
    /// <param name="stateless">Speak 2026-07-28: self-contained requests, no initialize and no session.</param>
    public LoadRunner(HttpClient http, Uri endpoint, string tool, string? bearerToken = null, bool stateless = false)
    {
        _http = http;
        _endpoint = endpoint;
        _tool = tool;
        _stateless = stateless;
        _authorization = bearerToken is null ? null : "Bearer " + bearerToken;
        _bodyPrefix = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":");
        var meta = stateless ? "," + StatelessMeta : string.Empty;
        _bodySuffix = Encoding.UTF8.GetBytes(",\"method\":\"tools/call\",\"params\":{\"name\":" + JsonSerializer.Serialize(tool) + ",\"arguments\":{\"message\":\"hello\"}" + meta + "}}");
    }

    public static HttpClient CreateClient(int sessions) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = Math.Max(sessions, 1),
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// Opens <paramref name="count"/> sessions (initialize, then notifications/initialized); in the 2026-07-28 mode
    /// only counts <paramref name="count"/> clients, which have nothing to open.
    /// </summary>
    public async Task OpenSessionsAsync(int count, CancellationToken cancel)
    {
        for (var i = 0; i < count; i++)
        {
            if (_stateless)
            {
                _sessionIds.Add(null);
                continue;
            }

            const string initialize = """{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"onemcp-loadgen","version":"1"}}}""";
            using var response = await PostAsync(null, Encoding.UTF8.GetBytes(initialize), cancel);
            response.EnsureSuccessStatusCode();
            var sessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
            await ReadResultAsync(response, cancel);
            using var initialized = await PostAsync(sessionId, """{"jsonrpc":"2.0","method":"notifications/initialized"}"""u8.ToArray(), cancel);
            _sessionIds.Add(sessionId);
        }
    }

    /// <summary>Retries one call until it succeeds (a gateway's backend may still be connecting).</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancel)
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
        string? last = null;
        for (var attempt = 0; attempt < 600 && Stopwatch.GetTimestamp() < deadline; attempt++)
        {
            last = await CallAsync(_sessionIds[0], attempt + 1, cancel);
            if (last is null)
            {
                return;
            }

            await Task.Delay(100, cancel);
        }

        throw new InvalidOperationException($"{_endpoint}: the tool call never succeeded: {last}");
    }

    /// <summary>
    /// Loops tools/call on every session for <paramref name="warmupS"/> unmeasured seconds, then <paramref name="durationS"/>
    /// measured ones; <paramref name="rss"/> and <paramref name="cpu"/> (the CPU seconds so far of the process that answers)
    /// are sampled in the measured window when given.
    /// </summary>
    public async Task<PhaseResult> RunAsync(string name, double warmupS, double durationS, Func<double?>? rss, CancellationToken cancel, Func<double?>? cpu = null)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmupS * Stopwatch.Frequency);
        var end = measureFrom + (long)(durationS * Stopwatch.Frequency);
        var loops = _sessionIds.Select((id, index) => Task.Run(() => LoopAsync(id, measureFrom, end, cancel), cancel)).ToList();
        var cpuUsed = cpu is null ? Task.FromResult<double?>(null) : CpuBetweenAsync(cpu, measureFrom, end, cancel);

        double? rssMax = null;
        if (rss is not null)
        {
            while (loops.Any(l => !l.IsCompleted) && Stopwatch.GetTimestamp() < end + Stopwatch.Frequency)
            {
                await Task.WhenAny(Task.WhenAll(loops), Task.Delay(200, cancel));
                if (Stopwatch.GetTimestamp() >= measureFrom && rss() is { } sample)
                {
                    rssMax = Math.Max(rssMax ?? 0, sample);
                }
            }
        }

        var results = await Task.WhenAll(loops);
        var cpuSeconds = await cpuUsed;
        var latencies = results.SelectMany(r => r.Latencies).ToArray();
        Array.Sort(latencies);
        var errors = results.Sum(r => r.Errors);
        var firstError = results.Select(r => r.FirstError).FirstOrDefault(e => e is not null);
        return new PhaseResult(
            name,
            _sessionIds.Count,
            durationS,
            latencies.Length,
            errors,
            Math.Round(latencies.Length / durationS, 1),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.90),
            Percentile(latencies, 0.99),
            latencies.Length == 0 ? 0 : Math.Round(latencies[^1], 3),
            rssMax,
            firstError,
            cpuSeconds is { } used && latencies.Length > 0 ? Math.Round(used * 1e6 / latencies.Length, 1) : null);
    }

    // The CPU time the answering process spent in the measured window: less noisy than req/s on a shared machine,
    // since it does not depend on how the cores were shared between the processes.
    private static async Task<double?> CpuBetweenAsync(Func<double?> cpu, long from, long to, CancellationToken cancel)
    {
        await Task.Delay(Until(from), cancel);
        var before = cpu();
        await Task.Delay(Until(to), cancel);
        var after = cpu();
        return before is null || after is null ? null : after - before;

        static TimeSpan Until(long timestamp) => TimeSpan.FromTicks(Math.Max(0, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp).Ticks));
    }

    /// <summary>The names of the tools one <c>tools/list</c> on the first session returns; null when it failed.</summary>
    public async Task<List<string>?> ListToolNamesAsync(int id, CancellationToken cancel)
    {
        var body = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"method\":\"tools/list\",\"params\":{}}");
        using var response = await PostAsync(_sessionIds[0], body, cancel);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var result = await ReadResultAsync(response, cancel);
        if (result is null || !result.RootElement.TryGetProperty("result", out var value) || !value.TryGetProperty("tools", out var tools))
        {
            return null;
        }

        return [.. tools.EnumerateArray().Select(t => t.GetProperty("name").GetString() ?? string.Empty)];
    }

    /// <summary>
    /// One <c>tools/list</c> on the first session. With <paramref name="parse"/> the answer is parsed and the
    /// number of tools returned (a negative number when the answer is not a list); without it only the
    /// whole body is read, as a client would before parsing it.
    /// </summary>
    public async Task<int> ListToolsAsync(int id, bool parse, CancellationToken cancel)
    {
        var body = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"method\":\"tools/list\",\"params\":{}}");
        using var response = await PostAsync(_sessionIds[0], body, cancel);
        if (!response.IsSuccessStatusCode)
        {
            return -(int)response.StatusCode;
        }

        if (!parse)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancel);
            return bytes.Length > 0 ? 0 : -1;
        }

        using var result = await ReadResultAsync(response, cancel);
        return result is not null && result.RootElement.TryGetProperty("result", out var value) && value.TryGetProperty("tools", out var tools)
            ? tools.GetArrayLength()
            : -1;
    }

    /// <summary>Ends every session (DELETE), best effort.</summary>
    public async Task CloseSessionsAsync()
    {
        foreach (var sessionId in _sessionIds.OfType<string>())
        {
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Delete, _endpoint);
                message.Headers.Add("Mcp-Session-Id", sessionId);
                if (_authorization is not null)
                {
                    message.Headers.TryAddWithoutValidation("Authorization", _authorization);
                }

                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var response = await _http.SendAsync(message, cancel.Token);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }
        }

        _sessionIds.Clear();
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);

    private async Task<(List<double> Latencies, long Errors, string? FirstError)> LoopAsync(string? sessionId, long measureFrom, long end, CancellationToken cancel)
    {
        var latencies = new List<double>(4096);
        long errors = 0;
        string? firstError = null;
        var id = 1;
        while (!cancel.IsCancellationRequested && id < MaxRequestsPerSession)
        {
            var before = Stopwatch.GetTimestamp();
            if (before >= end)
            {
                break;
            }

            var error = await CallAsync(sessionId, id++, cancel);
            var elapsedMs = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
            if (before < measureFrom)
            {
                continue;
            }

            if (error is null)
            {
                latencies.Add(elapsedMs);
            }
            else
            {
                errors++;
                firstError ??= error;
                await Task.Delay(10, CancellationToken.None);
            }
        }

        return (latencies, errors, firstError);
    }

    /// <summary>One tools/call; null when it succeeded, else what went wrong.</summary>
    private async Task<string?> CallAsync(string? sessionId, int id, CancellationToken cancel)
    {
        try
        {
            var idText = Encoding.ASCII.GetBytes(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var body = new byte[_bodyPrefix.Length + idText.Length + _bodySuffix.Length];
            _bodyPrefix.CopyTo(body, 0);
            idText.CopyTo(body, _bodyPrefix.Length);
            _bodySuffix.CopyTo(body, _bodyPrefix.Length + idText.Length);
            using var response = await PostAsync(sessionId, body, cancel, _stateless ? "tools/call" : null);
            if (!response.IsSuccessStatusCode)
            {
                return $"HTTP {(int)response.StatusCode}";
            }

            if (_stateless && response.Headers.Contains("Mcp-Session-Id"))
            {
                return "a 2026-07-28 request was given a session";
            }

            using var result = await ReadResultAsync(response, cancel);
            if (result is null)
            {
                return "no response message";
            }

            var root = result.RootElement;
            if (root.TryGetProperty("error", out var rpcError))
            {
                return "JSON-RPC error: " + rpcError.GetRawText();
            }

            if (!root.TryGetProperty("result", out var value))
            {
                return "no result";
            }

            return value.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True
                ? "tool error: " + value.GetRawText()
                : null;
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    // method: the request's method for the 2026-07-28 headers (null for a session's request).
    private async Task<HttpResponseMessage> PostAsync(string? sessionId, byte[] body, CancellationToken cancel, string? method = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = JsonContentType;
        message.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (sessionId is not null)
        {
            message.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        }

        if (method is not null)
        {
            message.Headers.TryAddWithoutValidation("MCP-Protocol-Version", StatelessRevision);
            message.Headers.TryAddWithoutValidation("Mcp-Method", method);
            message.Headers.TryAddWithoutValidation("Mcp-Name", _tool);
        }

        if (_authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }

        return await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancel);
    }

    /// <summary>The JSON-RPC response in a POST's body: plain JSON, or the SSE event that carries an id.</summary>
    private static async Task<JsonDocument?> ReadResultAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancel);
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            return JsonDocument.Parse(bytes);
        }

        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var document = JsonDocument.Parse(line.AsMemory("data:".Length).ToString());
            if (document.RootElement.TryGetProperty("id", out _))
            {
                return document;
            }

            document.Dispose();
        }

        return null;
    }
}
