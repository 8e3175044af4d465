using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// The gateway answers a 2026-07-28 <c>tools/call</c>, <c>resources/read</c> and <c>prompts/get</c> itself, without the
/// SDK's per-request server (ADR 0036), and answers them exactly as the SDK did. Each case sends one request twice: with
/// its <c>Mcp-Name</c> in plain text, which the gateway answers, and Base64-encoded (as the revision allows), which it
/// leaves to the SDK; a probe in front of the pipeline sees whether the SDK built a server for the request.
/// </summary>
public sealed class PerRequestCallsTests(PerRequestCallsTests.Fixture fixture) : IClassFixture<PerRequestCallsTests.Fixture>
{
    private const string Revision = "2026-07-28";
    private const string ProbeHeader = "X-Test-Probe";
    private static readonly string[] StreamHeaders = ["Content-Type", "Cache-Control", "Content-Encoding", "X-Accel-Buffering"];

    public static TheoryData<string, string, string, string, string> Requests => new()
    {
        // path and query, method, Mcp-Name, params (without _meta), extra _meta
        { "/mcp", "tools/call", "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}" },
        { "/mcp", "tools/call", "alpha_1mcp_fail", """{"name":"alpha_1mcp_fail","arguments":{}}""", "{}" },
        { "/mcp", "tools/call", "alpha_1mcp_throw", """{"name":"alpha_1mcp_throw","arguments":{}}""", "{}" },
        { "/mcp", "tools/call", "zeta_1mcp_echo", """{"name":"zeta_1mcp_echo","arguments":{"message":"x"}}""", "{}" },
        { "/mcp?tags=web", "tools/call", "beta_1mcp_echo", """{"name":"beta_1mcp_echo","arguments":{"message":"hidden"}}""", "{}" },
        { "/mcp/alpha", "tools/call", "echo", """{"name":"echo","arguments":{"message":"one server"}}""", "{}" },
        { "/mcp", "tools/call", "alpha_1mcp_progress", """{"name":"alpha_1mcp_progress","arguments":{"steps":3,"delayMs":1}}""", """{"progressToken":"p-1"}""" },
        { "/mcp", "tools/call", "alpha_1mcp_log", """{"name":"alpha_1mcp_log","arguments":{"level":"warning","message":"careful","thenWaitMs":300}}""", """{"io.modelcontextprotocol/logLevel":"info"}""" },
        { "/mcp", "tools/call", "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"},"requestState":"forged"}""", "{}" },
        { "/mcp", "resources/read", "alpha_1mcp_test://static/info", """{"uri":"alpha_1mcp_test://static/info"}""", "{}" },
        { "/mcp", "resources/read", "alpha_1mcp_test://static/binary", """{"uri":"alpha_1mcp_test://static/binary"}""", "{}" },
        { "/mcp", "resources/read", "zeta_1mcp_test://nothing", """{"uri":"zeta_1mcp_test://nothing"}""", "{}" },
        { "/mcp", "prompts/get", "alpha_1mcp_greeting", """{"name":"alpha_1mcp_greeting","arguments":{"name":"Ann"}}""", "{}" },
        { "/mcp", "prompts/get", "zeta_1mcp_greeting", """{"name":"zeta_1mcp_greeting","arguments":{}}""", "{}" },
    };

    /// <summary>Requests the gateway must leave to the SDK: what it refuses, or what it reads differently.</summary>
    public static TheoryData<string, string, string, string> LeftToTheSdk => new()
    {
        // Mcp-Name, params (without _meta), _meta fields replacing the usual ones, top-level fields replacing the usual ones
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", """{"io.modelcontextprotocol/logLevel":"loud"}""", "{}" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", """{"io.modelcontextprotocol/clientInfo":"not an object"}""", "{}" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", """{"io.modelcontextprotocol/protocolVersion":"2025-11-25"}""", "{}" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", """{"io.modelcontextprotocol/clientCapabilities":null}""", "{}" },
        { "alpha_1mcp_add", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", "{}" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":"not an object"}""", "{}", "{}" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", """{"id":null}""" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", """{"jsonrpc":"1.0"}""" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", """{"extra":true}""" },
        { "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", """{"method":"tools/list"}""" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task AHotRequest_IsAnsweredByTheGateway_ExactlyAsTheSdkAnswersIt(string path, string method, string name, string parameters, string meta)
    {
        var byGateway = await SendAsync(path, method, name, parameters, meta, encodeName: false);
        var bySdk = await SendAsync(path, method, name, parameters, meta, encodeName: true);

        bySdk.SdkBuiltAServer.ShouldBeTrue("a Base64-encoded Mcp-Name is left to the SDK");
        byGateway.SdkBuiltAServer.ShouldBeFalse("the gateway answers the request without the SDK's per-request server");
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
    public async Task ARequestTheSdkMustJudge_IsLeftToIt(string name, string parameters, string meta, string envelope)
    {
        var plain = await SendAsync("/mcp", "tools/call", name, parameters, meta, encodeName: false, envelope);
        var encoded = await SendAsync("/mcp", "tools/call", name, parameters, meta, encodeName: true, envelope);

        plain.SdkBuiltAServer.ShouldBe(encoded.SdkBuiltAServer);
        plain.Status.ShouldBe(encoded.Status);
        plain.Events.Count.ShouldBe(encoded.Events.Count);

        // An error may quote the Mcp-Name header, which differs between the two: its code is compared.
        var (mine, theirs) = (plain.Events[0], encoded.Events[0]);
        if (theirs["error"] is { } error)
        {
            ((int?)mine["error"]?["code"]).ShouldBe((int?)error["code"], mine.ToJsonString());
        }
        else
        {
            JsonNode.DeepEquals(mine, theirs).ShouldBeTrue($"{mine.ToJsonString()}\n{theirs.ToJsonString()}");
        }
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tools/call\ud800","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha_1mcp_echo","arguments":{"message":"hi"},"_meta":{"\ud800x":1}}}""")]
    public async Task ARequestWithHalfASurrogatePair_IsAnsweredWithAJsonRpcError_NotA500(string body)
    {
        // The JSON reader accepts the escape and reading it as text throws; the fast path caught only JsonException.
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Gateway.Url("/mcp"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "alpha_1mcp_echo");
        using var http = new HttpClient();

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        ((int)response.StatusCode).ShouldBeLessThan(500, text);
        text.ShouldContain("\"error\"");
    }

    [Theory]
    [InlineData("text/plain", false)]
    [InlineData("text/plain", true)]
    [InlineData(null, false)]
    [InlineData(null, true)]
    public async Task ARequestWhoseBodyIsNotDeclaredJson_IsRefusedWithAJsonRpcError_OnEitherPath(string? contentType, bool encodeName)
    {
        var answer = await SendAsync(
            "/mcp", "tools/call", "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", encodeName, contentType: contentType);

        answer.Status.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        ((int?)answer.Events.ShouldHaveSingleItem()["error"]!["code"]).ShouldBe(-32600);
        answer.SdkBuiltAServer.ShouldBeFalse();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    public async Task ARequestDeclaredJson_WithOrWithoutACharset_IsAnsweredByTheGateway(string contentType)
    {
        var answer = await SendAsync(
            "/mcp", "tools/call", "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", encodeName: false, contentType: contentType);

        answer.Status.ShouldBe(HttpStatusCode.OK);
        answer.SdkBuiltAServer.ShouldBeFalse();
        ((int?)answer.Events.ShouldHaveSingleItem()["id"]).ShouldBe(7);
    }

    [Fact]
    public async Task ARequestWithAStringId_IsAnsweredByTheGateway_WithThatId()
    {
        var answer = await SendAsync("/mcp", "tools/call", "alpha_1mcp_echo", """{"name":"alpha_1mcp_echo","arguments":{"message":"hi"}}""", "{}", encodeName: false, """{"id":"call-1"}""");

        answer.SdkBuiltAServer.ShouldBeFalse();
        answer.Events.ShouldHaveSingleItem()["id"]!.GetValue<string>().ShouldBe("call-1");
    }

    [Fact]
    public async Task AStreamedAnswer_CarriesEveryProgressStepBeforeTheResult()
    {
        var answer = await SendAsync("/mcp", "tools/call", "alpha_1mcp_progress",
            """{"name":"alpha_1mcp_progress","arguments":{"steps":5,"delayMs":1}}""", """{"progressToken":7}""", encodeName: false);

        answer.SdkBuiltAServer.ShouldBeFalse();
        answer.Events.Count.ShouldBe(6);
        answer.Events.Take(5).Select(e => (string?)e["method"]).ShouldAllBe(m => m == "notifications/progress");
        answer.Events.Take(5).Select(e => (int?)e["params"]!["progress"]).ShouldBe([1, 2, 3, 4, 5]);
        ((int?)answer.Events[0]["params"]!["progressToken"]).ShouldBe(7);
        answer.Events[5]["result"]!["resultType"]!.GetValue<string>().ShouldBe("complete");
    }

    [Fact]
    public async Task ABackendsQuestion_IsAskedThroughInputRequired_AndTheRetryIsAnsweredByTheGatewayToo()
    {
        const string Call = """{"name":"beta_1mcp_elicit","arguments":{"message":"Your name?"}}""";
        const string CanElicit = """{"io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}}""";

        var asked = await SendAsync("/mcp", "tools/call", "beta_1mcp_elicit", Call, CanElicit, encodeName: false);
        var result = asked.Events.ShouldHaveSingleItem()["result"]!;
        result["resultType"]!.GetValue<string>().ShouldBe("input_required");
        var (key, question) = result["inputRequests"]!.AsObject().ShouldHaveSingleItem();
        question!["params"]!["message"]!.GetValue<string>().ShouldBe("Your name?");

        var retry = JsonNode.Parse(Call)!.AsObject();
        retry["requestState"] = result["requestState"]!.GetValue<string>();
        retry["inputResponses"] = new JsonObject { [key] = new JsonObject { ["action"] = "accept", ["content"] = new JsonObject { ["answer"] = "Ann" } } };
        var answered = await SendAsync("/mcp", "tools/call", "beta_1mcp_elicit", retry.ToJsonString(), CanElicit, encodeName: false);

        asked.SdkBuiltAServer.ShouldBeFalse();
        answered.SdkBuiltAServer.ShouldBeFalse();
        var final = answered.Events.ShouldHaveSingleItem()["result"]!;
        final["resultType"]!.GetValue<string>().ShouldBe("complete");
        final["content"]![0]!["text"]!.GetValue<string>().ShouldContain("Ann");
    }

    private async Task<Answer> SendAsync(
        string path, string method, string name, string parameters, string meta, bool encodeName, string envelope = "{}", string? contentType = "application/json; charset=utf-8")
    {
        var body = JsonNode.Parse(parameters)!.AsObject();
        var metaObject = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Revision,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "per-request-tests", ["version"] = "1.0" },
        };
        foreach (var (key, value) in JsonNode.Parse(meta)!.AsObject())
        {
            metaObject[key] = value?.DeepClone();
        }

        body["_meta"] = metaObject;
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 7, ["method"] = method, ["params"] = body };
        foreach (var (key, value) in JsonNode.Parse(envelope)!.AsObject())
        {
            message[key] = value?.DeepClone();
        }

        var probe = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Gateway.Url(path))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(message.ToJsonString())),
        };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", method);
        request.Headers.Add("Mcp-Name", encodeName ? $"=?base64?{Convert.ToBase64String(Encoding.UTF8.GetBytes(name))}?=" : name);
        request.Headers.Add(ProbeHeader, probe);

        using var http = new HttpClient();
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        // An event stream, or (for what is refused before any stream starts) one JSON-RPC message.
        var events = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n')
                .Where(line => line.StartsWith("data:", StringComparison.Ordinal))
                .Select(line => JsonNode.Parse(line["data:".Length..])!)
                .ToList()
            : [JsonNode.Parse(text)!];
        var headers = string.Join("; ", StreamHeaders.Select(h => $"{h}={(response.Headers.TryGetValues(h, out var v) ? string.Join(',', v) : response.Content.Headers.TryGetValues(h, out var c) ? string.Join(',', c) : "")}"));
        return new Answer(response.StatusCode, headers, events, fixture.Probe.BuiltServer.TryGetValue(probe, out var built) && built);
    }

    private sealed record Answer(HttpStatusCode Status, string Headers, List<JsonNode> Events, bool SdkBuiltAServer);

    /// <summary>Sees, after the pipeline ran, whether the SDK built a server for a request (it leaves it in the request's features).</summary>
    internal sealed class ServerProbe : IStartupFilter
    {
        public ConcurrentDictionary<string, bool> BuiltServer { get; } = new(StringComparer.Ordinal);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                await nextMiddleware(context);
                if (context.Request.Headers[ProbeHeader].ToString() is { Length: > 0 } probe)
                {
                    BuiltServer[probe] = context.Features.Get<McpServer>() is not null;
                }
            });
            next(app);
        };
    }

    public sealed class Fixture : IAsyncLifetime
    {
        internal GatewayUnderTest Gateway { get; private set; } = null!;

        internal ServerProbe Probe { get; } = new();

        public async Task InitializeAsync() =>
            Gateway = await GatewayUnderTest.StartAsync(
                new ConfigBuilder()
                    .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
                    .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])),
                configureBuilder: builder => builder.Services.AddSingleton<IStartupFilter>(Probe));

        public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
    }
}
