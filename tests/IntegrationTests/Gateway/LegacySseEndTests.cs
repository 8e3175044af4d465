using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// A legacy SSE message that comes in as its session's stream closes gets the answer of a message for an unknown
/// session (404, -32001, "open a new one"): never a 202 for a message nobody will read, never a bare 500. The gateway
/// under test lets a test hold a session between the end of its server and the SDK letting go of it, and tells when
/// the SDK has begun reading a message and when it has finished with a stream.
/// </summary>
public sealed class LegacySseEndTests : IAsyncLifetime, IStartupFilter
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";

    private readonly HttpClient _http = new();
    private readonly TaskCompletionSource _serverEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _letGo = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _messageBeingRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _streamDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")),
            configureBuilder: builder =>
            {
                builder.Services.AddSingleton<IStartupFilter>(this);
#pragma warning disable MCPEXP002 // The hook the gateway runs its sessions in: the test holds a session's end in it.
                builder.Services.PostConfigure<HttpServerTransportOptions>(options =>
                {
                    var run = options.RunSessionHandler!;
                    options.RunSessionHandler = async (http, server, cancellationToken) =>
                    {
                        await run(http, server, cancellationToken);
                        _serverEnded.TrySetResult();
                        await _letGo.Task;
                    };
                });
#pragma warning restore MCPEXP002
            });

    public async Task DisposeAsync()
    {
        _letGo.TrySetResult();
        await _gateway.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Message_AfterTheServerOfItsSessionEnded_IsRefusedAsForAnUnknownSession()
    {
        // Before: 202, and the message lay in a session that no longer read it (the next one waited, then got a bare 500).
        var stream = await LegacySseStream.OpenAsync(_http, _gateway.Url("/sse"));
        await stream.InitializeAsync(_http);
        var messages = stream.MessagesUrl;
        stream.Dispose();
        await _serverEnded.Task.WaitAsync(Eventually.DefaultTimeout);

        using var answer = await PostAsync(messages, new StringContent(ToolsList, System.Text.Encoding.UTF8, "application/json"));

        await ShouldBeUnknownSessionAsync(answer);
    }

    [Fact]
    public async Task Message_WhoseSessionEndsWhileItIsBeingRead_IsRefusedAsForAnUnknownSession()
    {
        // Before: a bare 500 (the SDK handed the message to its session's closed transport, which threw).
        _letGo.TrySetResult();
        var stream = await LegacySseStream.OpenAsync(_http, _gateway.Url("/sse"));
        await stream.InitializeAsync(_http);
        var sessionId = stream.SessionId;
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posting = PostAsync(stream.MessagesUrl, new HeldBackContent(System.Text.Encoding.UTF8.GetBytes(ToolsList), rest.Task));
        await _messageBeingRead.Task.WaitAsync(Eventually.DefaultTimeout);

        stream.Dispose();
        await _streamDone.Task.WaitAsync(Eventually.DefaultTimeout);
        rest.SetResult();
        using var answer = await posting.WaitAsync(Eventually.DefaultTimeout);

        await ShouldBeUnknownSessionAsync(answer);
        var sessions = _gateway.Services.GetRequiredService<Api.Mcp.LegacySseSessions>();
        await Eventually.TrueAsync(() => !sessions.Contains(sessionId), "the ended session to be forgotten");
    }

    /// <summary>Tells when the SDK begins reading the held-back message, and when it has finished with a legacy stream.</summary>
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, following) =>
        {
            if (context.Request.Path == "/mcp/message" && context.Request.ContentLength is null)
            {
                // The held-back message (the others are sent with their length).
                context.Request.Body = new ReadProbe(context.Request.Body, _messageBeingRead);
                context.Features.Set<Microsoft.AspNetCore.Http.Features.IRequestBodyPipeFeature>(new Microsoft.AspNetCore.Http.Features.RequestBodyPipeFeature(context));
            }

            await following(context);
            if (context.Request.Path == "/mcp/sse")
            {
                _streamDone.TrySetResult();
            }
        });
        next(app);
    };

    private async Task<HttpResponseMessage> PostAsync(Uri url, HttpContent content)
    {
        using (content)
        {
            return await _http.PostAsync(url, content);
        }
    }

    private static async Task ShouldBeUnknownSessionAsync(HttpResponseMessage answer)
    {
        var body = await answer.Content.ReadAsStringAsync();
        answer.StatusCode.ShouldBe(HttpStatusCode.NotFound, body);
        var error = JsonNode.Parse(body)!["error"]!;
        ((int)error["code"]!).ShouldBe(-32001);
        error["message"]!.ToString().ShouldContain("GET /sse");
    }

    /// <summary>A JSON body whose first byte is sent at once and the rest when <c>rest</c> completes.</summary>
    private sealed class HeldBackContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly Task _rest;

        public HeldBackContent(byte[] body, Task rest)
        {
            _body = body;
            _rest = rest;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(_body.AsMemory(0, 1));
            await stream.FlushAsync();
            await _rest;
            await stream.WriteAsync(_body.AsMemory(1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A request body that says when it is first read.</summary>
    private sealed class ReadProbe(Stream inner, TaskCompletionSource read) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            read.TrySetResult();
            return inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
