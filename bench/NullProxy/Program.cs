// A forwarding proxy with no MCP logic: every request to /mcp goes to the upstream URL with the headers streamable
// HTTP needs, and the answer (JSON or an SSE stream) comes back as it arrives. bench/LoadGen measures it next to the
// gateway and the direct call: what no HTTP hop on the same cores can avoid, against what the gateway adds to it.
// usage: OneMcp.NullProxy <upstream mcp url>
using System.Net;

if (args.Length != 1 || !Uri.TryCreate(args[0], UriKind.Absolute, out var upstream) || !upstream.IsLoopback)
{
    Console.Error.WriteLine("usage: OneMcp.NullProxy <upstream mcp url on 127.0.0.1>");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
var app = builder.Build();

using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
{
    Timeout = Timeout.InfiniteTimeSpan,
};
// Mcp-Method and Mcp-Name: a 2026-07-28 request names its method and target in headers that must match its body.
string[] requestHeaders = ["Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name", "Last-Event-ID", "Authorization"];
string[] responseHeaders = ["Mcp-Session-Id", "Cache-Control"];

app.Map("/mcp", async (HttpContext context) =>
{
    using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), upstream) { Version = HttpVersion.Version11 };
    foreach (var name in requestHeaders)
    {
        if (context.Request.Headers.TryGetValue(name, out var value))
        {
            request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
        }
    }

    if (HttpMethods.IsPost(context.Request.Method))
    {
        request.Content = new StreamContent(context.Request.Body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
    }

    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
    context.Response.StatusCode = (int)response.StatusCode;
    foreach (var name in responseHeaders)
    {
        if (response.Headers.TryGetValues(name, out var values))
        {
            context.Response.Headers[name] = values.ToArray();
        }
    }

    if (response.Content.Headers.ContentType is { } contentType)
    {
        context.Response.ContentType = contentType.ToString();
    }

    // Kestrel sends every write at once, so the events of an SSE stream are not held back.
    await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
    await body.CopyToAsync(context.Response.Body, context.RequestAborted);
});

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"OneMcp null proxy listening on {app.Urls.First()}/mcp"));
await app.RunAsync();
return 0;
