using System.Text;

namespace OneMcp.TestServer;

/// <summary>
/// With <c>--faults</c>: what goes wrong with the HTTP exchanges of <see cref="Tools.FaultTools"/>, told apart by the
/// <c>Mcp-Name</c> header the client sends with a call.
/// </summary>
internal static class FaultMiddleware
{
    // Events a client must skip: not JSON, an empty object, a reply with neither result nor error, a notification
    // whose method is not a string.
    private static readonly byte[] Garbage = Encoding.UTF8.GetBytes(
        "event: message\ndata: not json\n\n" +
        "event: message\ndata: {}\n\n" +
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"onemcp-0\"}\n\n" +
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":42}\n\n");

    public static IApplicationBuilder UseFaults(this IApplicationBuilder app, ServerState state) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpMethods.IsGet(request.Method) && request.Headers.ContainsKey("Last-Event-ID") && state.RefuseResumes)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (HttpMethods.IsGet(request.Method) && request.Headers.ContainsKey("Last-Event-ID") && state.TakeFailingResume())
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            var name = request.Headers["Mcp-Name"].ToString();
            if (HttpMethods.IsPost(request.Method) && name == "gone")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (HttpMethods.IsPost(request.Method) && name == "huge_error")
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                context.Response.ContentType = "text/plain";
                var line = Encoding.ASCII.GetBytes(new string('x', 1023) + "\n");
                for (var i = 0; i < 4 * 1024; i++)
                {
                    await context.Response.Body.WriteAsync(line, context.RequestAborted);
                }

                // And the rest never comes: a client that reads it all waits until it gives up.
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
                return;
            }

            if (HttpMethods.IsPost(request.Method) && (name == "unanswered" || request.Headers["Mcp-Method"] == "completion/complete"))
            {
                // An event stream that ends before the answer, without an event id to resume it by: what a server whose
                // session is deleted while the call runs sends. Every completion gets it too (they go through the SDK
                // client, not the direct path).
                context.Response.ContentType = "text/event-stream";
                await context.Response.Body.FlushAsync(context.RequestAborted);
                return;
            }

            if (HttpMethods.IsPost(request.Method) && name == "garbled")
            {
                context.Response.Body = new PrefixedStream(context.Response.Body, context.Response);
            }

            await next(context);
        });

    // Writes the garbage before the first bytes of an event stream: the start of an event.
    private sealed class PrefixedStream(Stream inner, HttpResponse response) : Stream
    {
        private bool _started;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_started)
            {
                _started = true;
                if (response.ContentType?.StartsWith("text/event-stream", StringComparison.Ordinal) == true)
                {
                    await inner.WriteAsync(Garbage, cancellationToken);
                }
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
