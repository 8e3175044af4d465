using System.Text.Json;
using System.Threading.Channels;
using ModelContextProtocol.Server;
using OneMcp.Api.Mcp;

namespace OneMcp.Api.Http;

/// <summary>
/// The SDK's own refusals of a legacy SSE message (<c>POST /messages</c>): a 400 whose body is a bare JSON string
/// ("Session ID not found.", "No message in request body."), which a client reading JSON-RPC cannot parse. The body of
/// an error is held back while the SDK answers, and written as the JSON-RPC error every other answer of the MCP
/// endpoints is; the 202 of an accepted message goes straight through.
/// </summary>
internal sealed class LegacyMessageRefusals : Stream
{
    /// <summary>More than any refusal the SDK writes; a longer error body is passed on as it is.</summary>
    private const int LargestHeld = 1024;

    // What the SDK answers a sessionId it does not serve (never served, or whose GET /sse stream has ended).
    private const string SdkUnknownSession = "Session ID not found.";

    private readonly HttpResponse _response;
    private readonly Stream _inner;
    private MemoryStream? _held;
    private bool _passing;

    private LegacyMessageRefusals(HttpResponse response)
    {
        _response = response;
        _inner = response.Body;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Runs <paramref name="next"/> (the SDK's message endpoint) with its refusals held, then answers them as JSON-RPC.
    /// A message for a session of <paramref name="sessions"/> that has ended is refused before the SDK takes it in.
    /// </summary>
    public static async Task ServeAsync(HttpContext context, RequestDelegate next, LegacySseSessions sessions)
    {
        if (sessions.HasEnded(context.Request.Query["sessionId"].ToString()))
        {
            // Its stream has closed: the SDK would accept the message (202) into a session that no longer reads it.
            await JsonRpcErrors.WriteSessionNotFoundAsync(context);
            return;
        }

        var refusals = new LegacyMessageRefusals(context.Response);
        context.Response.Body = refusals;
        var ended = false;
        try
        {
            await next(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (InvalidOperationException e) when (IsEndedTransport(e) && !context.Response.HasStarted)
        {
            // The session ended as the message came in: the SDK's transport refused it with an exception (a bare 500).
            ended = true;
        }
        finally
        {
            context.Response.Body = refusals._inner;
        }

        if (ended)
        {
            context.Response.Clear();
            await JsonRpcErrors.WriteSessionNotFoundAsync(context);
            return;
        }

        await refusals.AnswerAsync(context);
    }

    /// <summary>
    /// What the SDK's legacy SSE transport throws at a message once its session has ended: "not connected" after it was
    /// disposed, or its message channel closed while the message waited for room in it.
    /// </summary>
    private static bool IsEndedTransport(InvalidOperationException e) =>
        e is ChannelClosedException
        || (e.TargetSite?.DeclaringType is { } thrower
            && (thrower == typeof(SseResponseStreamTransport) || thrower.DeclaringType == typeof(SseResponseStreamTransport)));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Holds(buffer.Length))
        {
            _held!.Write(buffer.Span);
            return;
        }

        await PassHeldAsync(cancellationToken);
        await _inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    // Flushing the server's body would send the status line: nothing is flushed until it is known what passes.
    public override Task FlushAsync(CancellationToken cancellationToken) => _passing ? _inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // An error's body is held while it stays small; anything else (an accepted message's "Accepted") is passed on.
    private bool Holds(int count)
    {
        if (_passing || (_held is null && _response.StatusCode < StatusCodes.Status400BadRequest))
        {
            _passing = true;
            return false;
        }

        _held ??= new MemoryStream();
        if (_held.Length + count > LargestHeld)
        {
            _passing = true;
            return false;
        }

        return true;
    }

    private async Task PassHeldAsync(CancellationToken cancellationToken)
    {
        if (_held is { Length: > 0 } held)
        {
            _held = null;
            await _inner.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        if (_held is not { Length: > 0 } held || _passing)
        {
            return;
        }

        if (SdkText(held) is not { } text)
        {
            await PassHeldAsync(context.RequestAborted);
            return;
        }

        context.Response.ContentLength = null;
        if (text == SdkUnknownSession)
        {
            // As /mcp answers an unknown Mcp-Session-Id: the session is gone, and the client must open a new one (GET /sse).
            await JsonRpcErrors.WriteSessionNotFoundAsync(context);
            return;
        }

        await JsonRpcErrors.WriteAsync(context, context.Response.StatusCode, JsonRpcErrors.InvalidRequest, $"The message was refused: {text}");
    }

    // The refusal's text when the held body is a bare JSON string, as the SDK writes them; null for anything else.
    private static string? SdkText(MemoryStream held)
    {
        try
        {
            var reader = new Utf8JsonReader(held.GetBuffer().AsSpan(0, (int)held.Length));
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
