using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// One 2026-07-28 request written by hand (as <see cref="StatelessRequest"/>) whose response stream is read as it
/// comes: each server-sent message is handed to the test in order, so a long-lived request such as
/// <c>subscriptions/listen</c> can be watched while the test makes things happen. Disposing it drops the connection,
/// as a client that goes away does.
/// </summary>
internal sealed class StreamedRequest : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _abort = new();
    private readonly Channel<JsonElement> _messages = Channel.CreateUnbounded<JsonElement>();
    private Task? _reading;

    private StreamedRequest()
    {
    }

    /// <summary>
    /// Sends <paramref name="method"/> with <paramref name="id"/>; <paramref name="meta"/> adds to the revision's
    /// <c>_meta</c> (e.g. a log level). Returns once the response has started.
    /// </summary>
    public static async Task<StreamedRequest> StartAsync(Uri url, string method, JsonNode id, JsonObject? parameters = null, JsonObject? meta = null)
    {
        parameters ??= [];
        var metaObject = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = StatelessRequest.Revision,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "protocol-tests", ["version"] = "1.0" },
        };
        foreach (var (key, value) in meta ?? [])
        {
            metaObject[key] = value?.DeepClone();
        }

        parameters["_meta"] = metaObject;
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };
        var stream = new StreamedRequest();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", StatelessRequest.Revision);
        request.Headers.Add("Mcp-Method", method);
        if (parameters["name"] is JsonValue name)
        {
            request.Headers.Add("Mcp-Name", name.GetValue<string>());
        }

        var response = await stream._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stream._abort.Token);
        response.EnsureSuccessStatusCode();
        stream._reading = stream.ReadAsync(response);
        return stream;
    }

    /// <summary>The next message on the stream; fails when none comes in time or the stream ended.</summary>
    public async Task<JsonElement> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Wait);
        return await _messages.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Reads until the message <paramref name="until"/> accepts, and returns it.</summary>
    public async Task<JsonElement> NextAsync(Func<JsonElement, bool> until)
    {
        while (true)
        {
            var message = await NextAsync();
            if (until(message))
            {
                return message;
            }
        }
    }

    /// <summary>Every message until the stream ended (for a request that ends with its answer).</summary>
    public async Task<List<JsonElement>> ToEndAsync()
    {
        var all = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(Wait);
        await foreach (var message in _messages.Reader.ReadAllAsync(timeout.Token))
        {
            all.Add(message);
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await _abort.CancelAsync();
        if (_reading is not null)
        {
            await _reading;
        }

        _http.Dispose();
        _abort.Dispose();
    }

    private async Task ReadAsync(HttpResponseMessage response)
    {
        try
        {
            using (response)
            {
                if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
                {
                    // A plain JSON answer: the only message there is.
                    _messages.Writer.TryWrite(JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync(_abort.Token)));
                    _messages.Writer.TryComplete();
                    return;
                }

                var stream = await response.Content.ReadAsStreamAsync(_abort.Token);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(_abort.Token) is { } line)
                {
                    if (line.StartsWith("data:", StringComparison.Ordinal) && line.Length > "data:".Length)
                    {
                        var message = JsonSerializer.Deserialize<JsonElement>(line["data:".Length..].Trim());
                        _messages.Writer.TryWrite(message);
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The test dropped the connection (or the gateway ended it): whoever reads next learns the stream ended.
            _messages.Writer.TryComplete(_abort.IsCancellationRequested ? null : e);
            return;
        }

        _messages.Writer.TryComplete();
    }
}
