using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Support;

/// <summary>A raw legacy SSE session: the <c>GET /sse</c> stream, the message URL it announces, and what arrives on it.</summary>
internal sealed class LegacySseStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private LegacySseStream(HttpResponseMessage response, StreamReader reader, Uri messagesUrl)
    {
        _response = response;
        _reader = reader;
        MessagesUrl = messagesUrl;
    }

    /// <summary>Where the stream said to POST its messages (the <c>endpoint</c> event).</summary>
    public Uri MessagesUrl { get; }

    public static async Task<LegacySseStream> OpenAsync(HttpClient http, Uri sse)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, sse);
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var endpoint = await NextDataAsync(reader);
        return new LegacySseStream(response, reader, new Uri(sse, endpoint));
    }

    /// <summary>The session's id, as the message URL carries it.</summary>
    public string SessionId => System.Web.HttpUtility.ParseQueryString(MessagesUrl.Query)["sessionId"]!;

    /// <summary>Sends a request and returns its answer from the stream (what arrives before it is passed over).</summary>
    public async Task<JsonNode> RequestAsync(HttpClient http, string method, int id)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method };
        using var content = new StringContent(request.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var posted = await http.PostAsync(MessagesUrl, content);
        posted.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
        while (true)
        {
            var message = JsonNode.Parse(await NextDataAsync(_reader))!;
            if (message["id"] is { } answered && (int)answered == id)
            {
                return message;
            }
        }
    }

    /// <summary>Reads the stream until the gateway ends it.</summary>
    public async Task ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _reader.ReadLineAsync(timeout.Token) is not null)
        {
        }
    }

    /// <summary>Sends <c>initialize</c> and returns its answer from the stream: the session works.</summary>
    public async Task<JsonNode> InitializeAsync(HttpClient http)
    {
        using var content = new StringContent(RawMcpSession.Initialize().ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var posted = await http.PostAsync(MessagesUrl, content);
        posted.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
        var answer = JsonNode.Parse(await NextDataAsync(_reader))!;
        answer["result"]!["serverInfo"]!["name"]!.ToString().ShouldBe("onemcp");
        return answer;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }

    private static async Task<string> NextDataAsync(StreamReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return line["data:".Length..].Trim();
            }
        }

        throw new InvalidOperationException("The SSE stream ended.");
    }
}
