using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// A streamable HTTP backend's address that forgets its sessions when the test says so: it passes every request on to
/// the backend behind it, except a session's standalone GET stream, which it holds until <see cref="DropNextSessionAsync"/>
/// answers it 404 (the backend no longer knows the session, as one behind a load balancer without affinity would say).
/// The session's <c>DELETE</c> is answered 404 from then on too, and never reaches the backend, which keeps the session
/// and its calls' streams: a call in flight in it runs on there, and its answer would still come. It counts the <c>initialize</c> requests that pass: each is a session the client opened.
/// </summary>
internal sealed class SessionDroppingProxy : IAsyncDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly Channel<TaskCompletionSource> _heldStreams = Channel.CreateUnbounded<TaskCompletionSource>();
    private readonly Uri _backend;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _dropped = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _initializes;

    private SessionDroppingProxy(Uri backend) => _backend = backend;

    public string McpUrl { get; private set; } = string.Empty;

    /// <summary>How many sessions the client opened (initialize requests passed on).</summary>
    public int Initializes => Volatile.Read(ref _initializes);

    public static async Task<SessionDroppingProxy> StartAsync(string backendMcpUrl)
    {
        var proxy = new SessionDroppingProxy(new Uri(backendMcpUrl));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        proxy._app = builder.Build();
        proxy._app.Run(proxy.HandleAsync);
        await proxy._app.StartAsync();
        proxy.McpUrl = new Uri(new Uri(proxy._app.Urls.First()), "/mcp").ToString();
        return proxy;
    }

    /// <summary>Answers the next session's GET stream 404 (waiting for the client to open it).</summary>
    public async Task DropNextSessionAsync()
    {
        using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
        (await _heldStreams.Reader.ReadAsync(timeout.Token)).TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        _heldStreams.Writer.TryComplete();
        while (_heldStreams.Reader.TryRead(out var held))
        {
            held.TrySetResult();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _http.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var session = request.Headers.TryGetValue("Mcp-Session-Id", out var sessionId) ? sessionId.ToString() : null;
        if (HttpMethods.IsGet(request.Method) && session is not null && !request.Headers.ContainsKey("Last-Event-ID"))
        {
            var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _heldStreams.Writer.WriteAsync(held, context.RequestAborted);
            await held.Task.WaitAsync(context.RequestAborted);
            _dropped.TryAdd(session, 0);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (HttpMethods.IsDelete(request.Method) && session is not null && _dropped.TryGetValue(session, out _))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (request.Headers["Mcp-Method"] == "initialize")
        {
            Interlocked.Increment(ref _initializes);
        }

        using var forwarded = new HttpRequestMessage(new HttpMethod(request.Method), _backend);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            forwarded.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!forwarded.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                forwarded.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var answer = await _http.SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await using var body = await answer.Content.ReadAsStreamAsync(context.RequestAborted);
        await body.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
