using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// The gateway answers a <c>tools/call</c>, <c>resources/read</c> and <c>prompts/get</c> in a streamable HTTP session
/// itself, without the SDK's server (ADR 0038), and answers them exactly as the SDK did. Each case sends one request
/// twice in the same session: once as it comes, which the gateway answers, and once after moving the SDK's clock a
/// minute on, so that the call is the one per minute the gateway leaves to the SDK (it keeps the session alive there);
/// a probe in front of the pipeline does that and sees whether the SDK served the request.
/// </summary>
public sealed class SessionCallsTests(SessionCallsTests.Fixture fixture) : IClassFixture<SessionCallsTests.Fixture>
{
    private const string Agreed = "2025-11-25";
    private const string ProbeHeader = "X-Test-Probe";
    private const string ViaSdkHeader = "X-Test-Via-Sdk";
    private static readonly string[] StreamHeaders = ["Content-Type", "Cache-Control", "Content-Encoding", "X-Accel-Buffering", "Mcp-Session-Id"];

    public static TheoryData<string, string, string> Requests => new()
    {
        // session path and query, method, params
        { "/mcp", "tools/call", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""" },
        { "/mcp", "tools/call", """{"name":"alpha_1mcp_fail","arguments":{}}""" },
        { "/mcp", "tools/call", """{"name":"alpha_1mcp_throw","arguments":{}}""" },
        { "/mcp", "tools/call", """{"name":"zeta_1mcp_echo","arguments":{"message":"x"}}""" },
        { "/mcp?tags=web", "tools/call", """{"name":"beta_1mcp_echo","arguments":{"message":"hidden"}}""" },
        { "/mcp/alpha", "tools/call", """{"name":"echo","arguments":{"message":"one server"}}""" },
        { "/mcp", "tools/call", """{"name":"alpha_1mcp_progress","arguments":{"steps":3,"delayMs":1},"_meta":{"progressToken":"p-1"}}""" },
        { "/mcp", "tools/call", """{"name":"alpha_1mcp_log","arguments":{"level":"warning","message":"careful","thenWaitMs":300}}""" },
        { "/mcp", "tools/call", """{"name":"alpha_1mcp_echo","arguments":null}""" },
        { "/mcp", "resources/read", """{"uri":"alpha_1mcp_test://static/info"}""" },
        { "/mcp", "resources/read", """{"uri":"alpha_1mcp_test://static/binary"}""" },
        { "/mcp", "resources/read", """{"uri":"zeta_1mcp_test://nothing"}""" },
        { "/mcp", "prompts/get", """{"name":"alpha_1mcp_greeting","arguments":{"name":"Ann"}}""" },
        { "/mcp", "prompts/get", """{"name":"zeta_1mcp_greeting","arguments":{}}""" },
    };

    /// <summary>Requests the gateway must leave to the SDK: what it refuses, or what it reads differently.</summary>
    public static TheoryData<string> LeftToTheSdk => new()
    {
        """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":"not an object"}}""",
        """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":42}}""",
        """{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}}""",
        """{"jsonrpc":"1.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}}""",
        """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}},"extra":true}""",
        """{"jsonrpc":"2.0","id":7,"method":"tools/call"}""",
        """[{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}}]""",
        """{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""",
        """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}""",
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task ACallInASession_IsAnsweredByTheGateway_ExactlyAsTheSdkAnswersIt(string path, string method, string parameters)
    {
        using var session = await OpenAsync(path);
        using var level = await session.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"info"}}""", Agreed);
        var body = Message(method, parameters, id: 7).ToJsonString();

        var byGateway = await session.SendAsync(body);
        var bySdk = await session.SendAsync(body, viaSdk: true);

        bySdk.SdkServed.ShouldBeTrue("the call of its minute is left to the SDK");
        byGateway.SdkServed.ShouldBeFalse("the gateway answers the call without the SDK's server");
        byGateway.Status.ShouldBe(bySdk.Status);
        byGateway.Headers.ShouldBe(bySdk.Headers);
        byGateway.Events.Count.ShouldBe(bySdk.Events.Count, string.Join('\n', byGateway.Events.Select(e => e.ToJsonString())));
        for (var i = 0; i < bySdk.Events.Count; i++)
        {
            JsonNode.DeepEquals(byGateway.Events[i], bySdk.Events[i]).ShouldBeTrue($"{byGateway.Events[i].ToJsonString()}\n{bySdk.Events[i].ToJsonString()}");
        }
    }

    [Theory]
    [MemberData(nameof(LeftToTheSdk))]
    public async Task ARequestTheSdkMustJudge_IsLeftToIt(string body)
    {
        using var session = await OpenAsync("/mcp");

        var mine = await session.SendAsync(body);
        var theirs = await session.SendAsync(body, viaSdk: true);

        mine.Status.ShouldBe(theirs.Status, $"{body}\n{string.Join('\n', mine.Events.Select(e => e.ToJsonString()))}\n{string.Join('\n', theirs.Events.Select(e => e.ToJsonString()))}");
        mine.Events.Count.ShouldBe(theirs.Events.Count);
        for (var i = 0; i < theirs.Events.Count; i++)
        {
            JsonNode.DeepEquals(mine.Events[i], theirs.Events[i]).ShouldBeTrue($"{mine.Events[i].ToJsonString()}\n{theirs.Events[i].ToJsonString()}");
        }

        // What the SDK refuses before it looks at the session is refused by it alone; the rest it serves.
        mine.SdkServed.ShouldBe(theirs.SdkServed);
    }

    [Fact]
    public async Task ACallLargerThanTheGatewayLooksAt_IsLeftToTheSdk_AndAnswered()
    {
        using var session = await OpenAsync("/mcp");
        var message = new string('x', 100_000);
        var body = Message("tools/call", new JsonObject { ["name"] = "alpha_1mcp_echo", ["arguments"] = new JsonObject { ["message"] = message } }.ToJsonString(), id: 7).ToJsonString();

        var answer = await session.SendAsync(body);

        answer.SdkServed.ShouldBeTrue();
        answer.Events.Single()["result"]!["content"]![0]!["text"]!.GetValue<string>().ShouldBe(message);
    }

    [Fact]
    public async Task ACallWhoseClientAcceptsOneAnswerOnly_IsLeftToTheSdk_WhichRefusesIt_AfterCallsThatAcceptedBoth()
    {
        using var session = await OpenAsync("/mcp");
        var body = Message("tools/call", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", id: 7).ToJsonString();
        (await session.SendAsync(body)).Status.ShouldBe(HttpStatusCode.OK);
        (await session.SendAsync(body)).Status.ShouldBe(HttpStatusCode.OK);

        // The gateway keeps its last verdict on an Accept header: another header is judged anew.
        using var jsonOnly = await session.PostAsync(body, Agreed, accept: ["application/json"]);
        using var streamOnly = await session.PostAsync(body, Agreed, accept: ["text/event-stream"]);

        jsonOnly.StatusCode.ShouldBe(HttpStatusCode.NotAcceptable);
        streamOnly.StatusCode.ShouldBe(HttpStatusCode.NotAcceptable);
    }

    [Fact]
    public async Task AnotherSessionsId_OrAnEndedSession_IsLeftToTheSdk_WhichRefusesIt()
    {
        using var session = await OpenAsync("/mcp");
        var body = Message("tools/call", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", id: 7).ToJsonString();
        using (var ended = await session.DeleteAsync())
        {
            ended.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var answer = await session.SendAsync(body);

        answer.Status.ShouldBe(HttpStatusCode.NotFound);
        answer.SdkServed.ShouldBeFalse();
    }

    [Fact]
    public async Task ABackendsQuestion_DuringACallTheGatewayAnswers_IsAskedOnTheCallsOwnStream_AndTheClientsAnswerReachesIt()
    {
        using var session = await OpenAsync("/mcp", capabilities: """{"sampling":{}}""");
        var probe = Guid.NewGuid().ToString("N");

        using var call = await session.StartAsync(Message("tools/call", """{"name":"alpha_1mcp_sample","arguments":{"prompt":"hello"}}""", id: 7).ToJsonString(), Agreed, probe);
        var question = await call.NextAsync();
        ((string?)question["method"]).ShouldBe("sampling/createMessage");
        var answer = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = question["id"]!.DeepClone(),
            ["result"] = new JsonObject { ["role"] = "assistant", ["model"] = "raw", ["content"] = new JsonObject { ["type"] = "text", ["text"] = "from the raw client" } },
        };
        using (var accepted = await session.PostAsync(answer.ToJsonString(), Agreed))
        {
            accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        var result = await call.NextAsync();
        ((int?)result["id"]).ShouldBe(7);
        result["result"]!["content"]![0]!["text"]!.GetValue<string>().ShouldBe("sampled: from the raw client");
        (await call.EndAsync()).ShouldBeTrue("nothing follows the answer");
        fixture.Probe.BuiltServer[probe].ShouldBeFalse("the gateway answered the call itself");
    }

    [Fact]
    public async Task ACallTheClientCancels_IsCancelledOnTheBackend_AndGetsNoAnswer()
    {
        using var session = await OpenAsync("/mcp");
        var before = await CountAsync(session, "beta_1mcp_cancellations");
        var started = await CountAsync(session, "beta_1mcp_slow_started");

        using var call = await session.StartAsync(Message("tools/call", """{"name":"beta_1mcp_slow","arguments":{"ms":60000}}""", id: "slow-1").ToJsonString(), Agreed);
        await Eventually.ValueAsync(() => CountAsync(session, "beta_1mcp_slow_started"), count => count == started + 1, "the backend to start the slow call");
        using (var cancelled = await session.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1","reason":"enough"}}""", Agreed))
        {
            cancelled.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        (await call.EndAsync()).ShouldBeTrue("the cancelled call's stream ends without an answer");
        await Eventually.ValueAsync(() => CountAsync(session, "beta_1mcp_cancellations"), count => count == before + 1, "the backend to count the cancelled call");
    }

    [Fact]
    public async Task ACallInFlight_WhenItsSessionEnds_IsCancelledOnTheBackend()
    {
        using var observer = await OpenAsync("/mcp");
        using var session = await OpenAsync("/mcp");
        var before = await CountAsync(observer, "beta_1mcp_cancellations");
        var started = await CountAsync(observer, "beta_1mcp_slow_started");

        using var call = await session.StartAsync(Message("tools/call", """{"name":"beta_1mcp_slow","arguments":{"ms":60000}}""", id: 9).ToJsonString(), Agreed);
        await Eventually.ValueAsync(() => CountAsync(observer, "beta_1mcp_slow_started"), count => count == started + 1, "the backend to start the slow call");
        using (var ended = await session.DeleteAsync())
        {
            ended.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        (await call.EndAsync()).ShouldBeTrue("the call's stream ends with its session");
        await Eventually.ValueAsync(() => CountAsync(observer, "beta_1mcp_cancellations"), count => count == before + 1, "the backend to count the cancelled call");
    }

    [Fact]
    public async Task ACallCancelledWhileItsBackendAsks_SendsNothingIntoTheNextResponseOnItsConnection()
    {
        using var session = await OpenAsync("/mcp", capabilities: """{"sampling":{}}""");
        using var connection = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { Timeout = Timeout.InfiniteTimeSpan };

        // The call's question stays unanswered; the client cancels the call, and the backend withdraws its question
        // (the gateway's session then sends notifications/cancelled for it, which may come after the call's request ended:
        // a race this test does not control; CallAnswerStreamTests pins the stream's rule down).
        using (var call = await session.StartAsync(Message("tools/call", """{"name":"alpha_1mcp_sample","arguments":{"prompt":"hello"}}""", id: "asking").ToJsonString(), Agreed, via: connection))
        {
            ((string?)(await call.NextAsync())["method"]).ShouldBe("sampling/createMessage");
            using (var cancelled = await session.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"asking","reason":"enough"}}""", Agreed))
            {
                cancelled.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            }

            await call.DrainAsync();
        }

        // The next request on the same connection, long enough for the withdrawal to arrive meanwhile, gets its own answer only.
        using var next = await session.PostAsync(Message("tools/call", """{"name":"alpha_1mcp_slow","arguments":{"ms":1500}}""", id: 8).ToJsonString(), Agreed, via: connection);
        var events = await RawMcpSession.ReadMessagesAsync(next);

        events.Select(e => e.ToJsonString()).ShouldHaveSingleItem();
        ((int?)events[0]["id"]).ShouldBe(8);
    }

    [Fact]
    public async Task ACallWhoseMetaDeclaresAPerRequestRevision_WithoutTheHeader_IsLeftToTheSdk()
    {
        // The SDK reads such a request by the revision of its _meta, in a session too: it answers it as a 2026-07-28 one.
        using var session = await OpenAsync("/mcp");
        var body = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}""";

        var mine = await session.SendAsync(body, version: null);
        var theirs = await session.SendAsync(body, viaSdk: true, version: null);

        mine.SdkServed.ShouldBeTrue();
        mine.Status.ShouldBe(theirs.Status);
        mine.Events.Count.ShouldBe(theirs.Events.Count);
        for (var i = 0; i < theirs.Events.Count; i++)
        {
            JsonNode.DeepEquals(mine.Events[i], theirs.Events[i]).ShouldBeTrue($"{mine.Events[i].ToJsonString()}\n{theirs.Events[i].ToJsonString()}");
        }
    }

    [Theory]
    [InlineData("text/plain", false)]
    [InlineData("text/plain", true)]
    [InlineData(null, false)]
    [InlineData(null, true)]
    public async Task ACallWhoseBodyIsNotDeclaredJson_IsRefusedWithAJsonRpcError_OnEitherPath(string? contentType, bool viaSdk)
    {
        using var session = await OpenAsync("/mcp");
        var body = Message("tools/call", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", id: 7).ToJsonString();

        using var response = await session.PostAsync(body, Agreed, viaSdk: viaSdk, contentType: contentType);
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        ((int?)JsonNode.Parse(text)!["error"]!["code"]).ShouldBe(-32600);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=UTF-8")]
    public async Task ACallDeclaredJson_WithOrWithoutACharset_IsAnsweredByTheGateway(string contentType)
    {
        using var session = await OpenAsync("/mcp");
        var body = Message("tools/call", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", id: 7).ToJsonString();
        var probe = Guid.NewGuid().ToString("N");

        using var response = await session.PostAsync(body, Agreed, probe, contentType: contentType);
        var events = await RawMcpSession.ReadMessagesAsync(response);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        ((int?)events.ShouldHaveSingleItem()["id"]).ShouldBe(7);
        fixture.Probe.BuiltServer[probe].ShouldBeFalse();
    }

    private static async Task<int> CountAsync(Session session, string tool)
    {
        var answer = await session.SendAsync(Message("tools/call", new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject() }.ToJsonString(), id: 100).ToJsonString());
        return int.Parse(answer.Events.Single()["result"]!["content"]![0]!["text"]!.GetValue<string>(), CultureInfo.InvariantCulture);
    }

    internal static JsonObject Message(string method, string parameters, JsonNode id) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["method"] = method,
        ["params"] = JsonNode.Parse(parameters),
    };

    private Task<Session> OpenAsync(string path, string capabilities = "{}") => Session.OpenAsync(fixture.Gateway.Url(path), capabilities, fixture.Probe);

    /// <summary>A session spoken by hand, whose requests may name the protocol version and carry the probe.</summary>
    internal sealed class Session : IDisposable
    {
        private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
        private readonly Uri _url;
        private readonly Probe _probe;

        private Session(Uri url, string id, Probe probe)
        {
            _url = url;
            Id = id;
            _probe = probe;
        }

        public string Id { get; }

        public static async Task<Session> OpenAsync(Uri url, string capabilities, Probe probe)
        {
            using var http = new HttpClient();
            var initialize = RawMcpSession.Initialize();
            initialize["params"]!["capabilities"] = JsonNode.Parse(capabilities);
            using var opened = await RawMcpSession.Post(http, url.ToString(), null, initialize);
            opened.EnsureSuccessStatusCode();
            var session = new Session(url, opened.Headers.GetValues("Mcp-Session-Id").Single(), probe);
            using var initialized = await session.PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", Agreed);
            return session;
        }

        public async Task<HttpResponseMessage> PostAsync(
            string body, string? version, string? probe = null, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool viaSdk = false,
            string[]? accept = null, HttpClient? via = null, string? contentType = "application/json; charset=utf-8")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            foreach (var mediaType in accept ?? ["application/json", "text/event-stream"])
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
            }

            request.Headers.Add("Mcp-Session-Id", Id);
            if (version is not null)
            {
                request.Headers.Add("MCP-Protocol-Version", version);
            }

            if (probe is not null)
            {
                request.Headers.Add(ProbeHeader, probe);
            }

            if (viaSdk)
            {
                request.Headers.Add(ViaSdkHeader, "1");
            }

            return await (via ?? _http).SendAsync(request, completion);
        }

        public async Task<Answer> SendAsync(string body, bool viaSdk = false, string? version = Agreed)
        {
            var probe = Guid.NewGuid().ToString("N");
            using var response = await PostAsync(body, version, probe, viaSdk: viaSdk);
            var events = await RawMcpSession.ReadMessagesAsync(response);
            var headers = string.Join("; ", StreamHeaders.Select(h => $"{h}={(response.Headers.TryGetValues(h, out var v) ? string.Join(',', v) : response.Content.Headers.TryGetValues(h, out var c) ? string.Join(',', c) : "")}"));
            return new Answer(response.StatusCode, headers, events, _probe.BuiltServer.TryGetValue(probe, out var served) && served);
        }

        /// <summary>A request whose response stream is read message by message, as it arrives.</summary>
        public async Task<OpenCall> StartAsync(string body, string version, string? probe = null, HttpClient? via = null)
        {
            var response = await PostAsync(body, version, probe, HttpCompletionOption.ResponseHeadersRead, via: via);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return new OpenCall(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        public async Task<HttpResponseMessage> DeleteAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, _url);
            request.Headers.Add("Mcp-Session-Id", Id);
            return await _http.SendAsync(request);
        }

        public void Dispose() => _http.Dispose();
    }

    internal sealed class OpenCall(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

        public async Task<JsonObject> NextAsync()
        {
            using var timeout = new CancellationTokenSource(Wait);
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    return JsonNode.Parse(line["data:".Length..])!.AsObject();
                }
            }

            throw new InvalidOperationException("The stream ended before another message.");
        }

        /// <summary>True when the stream ends with no further message.</summary>
        public async Task<bool> EndAsync()
        {
            using var timeout = new CancellationTokenSource(Wait);
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Reads the stream to its end, whatever it carries.</summary>
        public async Task DrainAsync()
        {
            using var timeout = new CancellationTokenSource(Wait);
            while (await reader.ReadLineAsync(timeout.Token) is not null)
            {
            }
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }

    internal sealed record Answer(HttpStatusCode Status, string Headers, IReadOnlyList<JsonObject> Events, bool SdkServed);

    /// <summary>
    /// In front of the pipeline: moves the SDK's clock a minute on for a request that asks it (so that it is the call of
    /// its minute that goes the SDK's way), and sees afterwards whether the SDK served the request (it leaves its server in
    /// the request's features).
    /// </summary>
    internal sealed class Probe : IStartupFilter
    {
        public ConcurrentDictionary<string, bool> BuiltServer { get; } = new(StringComparer.Ordinal);

        public SteppingClock Clock { get; } = new();

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Headers.ContainsKey(ViaSdkHeader))
                {
                    Clock.Step(TimeSpan.FromSeconds(61));
                }

                await nextMiddleware(context);
                if (context.Request.Headers[ProbeHeader].ToString() is { Length: > 0 } probe)
                {
                    BuiltServer[probe] = context.Features.Get<McpServer>() is not null;
                }
            });
            next(app);
        };
    }

    /// <summary>The system's clock, a number of steps ahead.</summary>
    internal sealed class SteppingClock : TimeProvider
    {
        private long _ahead;

        public void Step(TimeSpan by) => Interlocked.Add(ref _ahead, (long)(by.TotalSeconds * TimestampFrequency));

        public override long GetTimestamp() => base.GetTimestamp() + Interlocked.Read(ref _ahead);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        internal GatewayUnderTest Gateway { get; private set; } = null!;

        internal Probe Probe { get; } = new();

        public async Task InitializeAsync() =>
            Gateway = await GatewayUnderTest.StartAsync(
                new ConfigBuilder()
                    .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
                    .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])),
                configureBuilder: builder =>
                {
                    builder.Services.AddSingleton<IStartupFilter>(Probe);
#pragma warning disable MCP9006 // The SDK's clock for sessions is what the probe moves; a day's idle timeout keeps it from ending them.
                    builder.Services.PostConfigure<HttpServerTransportOptions>(options =>
                    {
                        options.TimeProvider = Probe.Clock;
                        options.IdleTimeout = TimeSpan.FromDays(1);
                    });
#pragma warning restore MCP9006
                });

        public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
    }
}
