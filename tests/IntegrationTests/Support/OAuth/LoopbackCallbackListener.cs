using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OneMcp.IntegrationTests.Support.OAuth;

/// <summary>
/// A native OAuth client's loopback redirect target (RFC 8252 §7.3): a real Kestrel server on
/// <c>127.0.0.1</c> and a free port that answers <c>GET /callback</c> with 200 "You can close this window"
/// and records every URL it received.
/// </summary>
internal sealed class LoopbackCallbackListener : IAsyncDisposable
{
    public const string Page = "You can close this window";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Uri> _received = new();
    private readonly TaskCompletionSource<Uri> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoopbackCallbackListener(WebApplication app) => _app = app;

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/callback</c>.</summary>
    public Uri RedirectUri { get; private set; } = null!;

    /// <summary>Every callback URL received, in order.</summary>
    public IReadOnlyList<Uri> Received => [.. _received];

    public static async Task<LoopbackCallbackListener> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var listener = new LoopbackCallbackListener(app);
        app.MapGet("/callback", (HttpContext context) =>
        {
            var url = new Uri(context.Request.Scheme + "://" + context.Request.Host + context.Request.Path + context.Request.QueryString);
            listener._received.Enqueue(url);
            listener._first.TrySetResult(url);
            return Results.Text(Page, "text/plain");
        });
        await app.StartAsync();
        listener.RedirectUri = new Uri(new Uri(app.Urls.First()), "/callback");
        return listener;
    }

    /// <summary>The first callback URL, once it arrives.</summary>
    public Task<Uri> FirstCallbackAsync(TimeSpan timeout) => _first.Task.WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
