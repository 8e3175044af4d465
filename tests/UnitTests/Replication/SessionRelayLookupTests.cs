using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Diagnostics;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Replication;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Replication;

/// <summary>
/// What a request costs the relay before anything authenticated it (ADR 0031): a session of this replica nothing, a
/// session held elsewhere or a retry naming another replica one database lookup, and that only once its caller may
/// make one (with <c>--enable-auth</c>: a valid bearer token); a retry body's buffer grows with the bytes that came.
/// </summary>
public sealed class SessionRelayLookupTests : IDisposable
{
    private const string OtherReplica = "0123456789abcdef0123456789abcdef";

    private readonly CountingDatabase _database = new();
    private readonly ReplicaIdentity _identity = new();
    private readonly SessionDirectory _directory;
    private readonly SessionRelay _relay;
    private readonly Meters _meters = new();

    public SessionRelayLookupTests()
    {
        _directory = new SessionDirectory(
            new ReplicaStore(_database, TimeProvider.System), _identity, new ReplicaOptions { Url = new Uri("http://127.0.0.1:1") }, NullLogger<SessionDirectory>.Instance);
        _relay = new SessionRelay(
            _directory,
            new RelayKey(RandomNumberGenerator.GetBytes(32)),
            new NoClients(),
            new GatewayTelemetry(_meters, new FakePool(), new SessionRegistry(), TimeProvider.System),
            NullLogger<SessionRelay>.Instance);
    }

    public void Dispose() => _meters.Dispose();

    [Theory]
    [InlineData("/mcp", false)]
    [InlineData("/mcp/beta", false)]
    [InlineData("/messages", true)]
    public async Task ASessionNotHere_WhoseCallerMayNotLookUp_IsServedOnWithoutALookup(string path, bool legacy)
    {
        var asked = 0;
        var context = SessionRequest(path, Guid.NewGuid().ToString("N"), legacy);

        var result = await _relay.HandleAsync(context, _ => true, _ => { asked++; return Task.FromResult(false); });

        result.ShouldBe(SessionRelayResult.Continue);
        asked.ShouldBe(1);
        _database.Opened.ShouldBe(0, "no lookup for a caller the token check refuses");
    }

    [Theory]
    [InlineData("/mcp", false, 1)]
    [InlineData("/messages", true, 4)]
    public async Task ASessionNotHere_WhoseCallerMayLookUp_IsLookedUpAsBefore(string path, bool legacy, int lookups)
    {
        var context = SessionRequest(path, Guid.NewGuid().ToString("N"), legacy);

        var result = await _relay.HandleAsync(context, _ => true, _ => Task.FromResult(true));

        result.ShouldBe(SessionRelayResult.Continue, "nobody holds it: the SDK here answers it as an unknown session");
        _database.Opened.ShouldBe(lookups);
    }

    [Fact]
    public async Task ASessionOfThisReplica_AsksNothing_AndIsDecidedWithoutWaiting()
    {
        var sessionId = Guid.NewGuid().ToString("N");
        await using var owned = await _directory.OwnAsync(sessionId, CancellationToken.None);
        _database.Reset();
        var context = SessionRequest("/mcp", sessionId, legacy: false);

        var handling = _relay.HandleAsync(context, _ => true, _ => throw new InvalidOperationException("asked for a session of this replica"));

        handling.IsCompletedSuccessfully.ShouldBeTrue();
        (await handling).ShouldBe(SessionRelayResult.Continue);
        _database.Opened.ShouldBe(0);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public async Task ARetryNamingAnotherReplica_IsLookedUpOnlyForACallerWhoMay(bool mayLookUp, int lookups)
    {
        var body = RetryBody(OtherReplica, padding: 0);
        var context = RetryRequest(body, sized: true, out _);

        var result = await _relay.HandleAsync(context, _ => true, _ => Task.FromResult(mayLookUp));

        result.ShouldBe(SessionRelayResult.Continue);
        _database.Opened.ShouldBe(lookups);
        (await ReadAllAsync(context.Request.Body)).ShouldBe(body, "the body is left whole for the gateway here");
    }

    [Fact]
    public async Task ARetryNamingThisReplica_AsksNothing()
    {
        var context = RetryRequest(RetryBody(_identity.Id, padding: 0), sized: false, out _);

        var result = await _relay.HandleAsync(context, _ => true, _ => throw new InvalidOperationException("asked for a retry of this replica"));

        result.ShouldBe(SessionRelayResult.Continue);
        _database.Opened.ShouldBe(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARetryBody_IsReadIntoABufferThatGrowsAsItsBytesCome_AndIsStillFoundWhole(bool sized)
    {
        // 200 KiB arriving 1,000 bytes at a time: the first read is offered no more than the first buffer.
        var body = RetryBody(OtherReplica, padding: 200 * 1024);
        var context = RetryRequest(body, sized, out var arriving);

        await _relay.HandleAsync(context, _ => true, _ => Task.FromResult(true));

        arriving.FirstReadOffered.ShouldBeLessThanOrEqualTo(SessionRelay.FirstRetryBufferBytes, "nothing larger is set aside before a byte came");
        _database.Opened.ShouldBe(1, "the requestState at the end of the body was found after the buffer grew");
        (await ReadAllAsync(context.Request.Body)).ShouldBe(body);
    }

    [Fact]
    public async Task ARetryBodyOfKnownSize_IsHandedOnAsTheBytesRead_FillingItsBufferExactly()
    {
        var body = RetryBody(_identity.Id, padding: 10_000);
        var context = RetryRequest(body, sized: true, out _);

        await _relay.HandleAsync(context, _ => true, _ => Task.FromResult(true));

        var handedOn = context.Request.Body.ShouldBeOfType<MemoryStream>();
        handedOn.TryGetBuffer(out var bytes).ShouldBeTrue();
        bytes.Offset.ShouldBe(0);
        bytes.Array!.Length.ShouldBe(body.Length, "grown up to the announced size and no further: nothing to copy");
        bytes.ToArray().ShouldBe(body);
    }

    [Fact]
    public async Task AnUnsizedBodyLargerThanTheLimit_IsServedHereWhole()
    {
        var body = RetryBody(OtherReplica, padding: SessionRelay.MaxRetryBytes + 10);
        var context = RetryRequest(body, sized: false, out _);

        var result = await _relay.HandleAsync(context, _ => true, _ => Task.FromResult(true));

        result.ShouldBe(SessionRelayResult.Continue);
        _database.Opened.ShouldBe(0);
        (await ReadAllAsync(context.Request.Body)).ShouldBe(body);
    }

    private static DefaultHttpContext SessionRequest(string path, string sessionId, bool legacy)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = path;
        if (legacy)
        {
            context.Request.QueryString = new QueryString("?sessionId=" + sessionId);
        }
        else
        {
            context.Request.Headers["Mcp-Session-Id"] = sessionId;
        }

        return context;
    }

    private static DefaultHttpContext RetryRequest(byte[] body, bool sized, out ArrivingBody arriving)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/mcp";
        context.Request.Headers["Mcp-Method"] = "tools/call";
        context.Request.ContentLength = sized ? body.Length : null;
        context.Request.Body = arriving = new ArrivingBody(body, chunk: 1000);
        return context;
    }

    // The requestState comes last, after the padding: found only in a body read whole.
    private static byte[] RetryBody(string replicaId, int padding) => Encoding.UTF8.GetBytes(
        $$$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t_echo","arguments":{"pad":"{{{new string('x', padding)}}}"},"requestState":"{{{replicaId}}}.protected"}}""");

    private static async Task<byte[]> ReadAllAsync(Stream body)
    {
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>A database whose every connection fails, counting how often one was asked for.</summary>
    private sealed class CountingDatabase : IDbConnectionFactory
    {
        private int _opened;

        public int Opened => Volatile.Read(ref _opened);

        public SqlDialect Dialect => SqlDialect.Postgres;

        public void Reset() => Interlocked.Exchange(ref _opened, 0);

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _opened);
            throw new InvalidOperationException("No database in this test.");
        }
    }

    /// <summary>A request body whose bytes come a chunk at a time, remembering how much room its first read was offered.</summary>
    private sealed class ArrivingBody(byte[] bytes, int chunk) : Stream
    {
        private int _position;

        public int FirstReadOffered { get; private set; } = -1;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (FirstReadOffered < 0)
            {
                FirstReadOffered = buffer.Length;
            }

            var count = Math.Min(Math.Min(chunk, buffer.Length), bytes.Length - _position);
            bytes.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return ValueTask.FromResult(count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class NoClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("Nothing is relayed in this test.");
    }

    private sealed class Meters : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
