using System.Net;

namespace OneMcp.LoadGen;

/// <summary>
/// A local stand-in for an OpenTelemetry collector (OTLP/HTTP, protobuf) for <c>--compare-observability</c>: it reads
/// every export the gateway posts and answers <c>200</c> with an empty <c>Export*ServiceResponse</c> (zero bytes is the
/// protobuf encoding of that message), so that the gateway pays for building and sending its telemetry but the
/// benchmark does not pay for a real collector on the same two cores. Counts what it received, as proof that export ran.
/// </summary>
internal sealed class OtlpCollectorStandIn : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private long _exports;
    private long _bytes;

    private OtlpCollectorStandIn(int port)
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"{Endpoint}");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The base address for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the exporter appends /v1/traces and /v1/metrics).</summary>
    public Uri Endpoint { get; }

    public long Exports => Interlocked.Read(ref _exports);

    public long Bytes => Interlocked.Read(ref _bytes);

    public static OtlpCollectorStandIn Start()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new OtlpCollectorStandIn(port);
    }

    /// <summary>What the gateway's exporter needs to send here over OTLP/HTTP.</summary>
    public Dictionary<string, string> ExporterEnvironment() => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
    };

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
            // Stopping the listener ends the pending GetContextAsync with this exception.
        }

        _listener.Close();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            var buffer = new byte[16 * 1024];
            long read = 0;
            int n;
            while ((n = await context.Request.InputStream.ReadAsync(buffer)) > 0)
            {
                read += n;
            }

            Interlocked.Increment(ref _exports);
            Interlocked.Add(ref _bytes, read);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength64 = 0;
        }
        catch (Exception e) when (e is HttpListenerException or IOException)
        {
            context.Response.StatusCode = 500;
            await Console.Error.WriteLineAsync($"loadgen: collector stand-in: {e.Message}");
        }
        finally
        {
            context.Response.Close();
        }
    }
}
