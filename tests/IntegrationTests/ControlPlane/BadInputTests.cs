using System.Net;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>One gateway with a config backend "alpha" (and, per test, whatever a test may leave: nothing).</summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>Every bad request answers ProblemDetails and writes nothing, which each test proves by reading back.</summary>
public sealed class BadInputTests(BadInputFixture fixture) : IClassFixture<BadInputFixture>, IDisposable
{
    private readonly RestClient _rest = new(fixture.Gateway);

    [Fact]
    public async Task Register_WhenTheBodyHasAnUnknownField_Answers400AndWritesNothing()
    {
        var before = await _rest.BackendsFingerprintAsync();
        var body = Definitions.TestServer("beta");
        body["comand"] = "node";

        var response = (await _rest.PostAsync("/api/backends", body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        response.Str("detail")!.ShouldContain("comand");
        response.Text.ShouldNotContain("OneMcp.");
        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("x_1mcp")]
    public async Task Register_WhenTheNameIsInvalid_Answers400NamingTheField(string name)
    {
        var before = await _rest.BackendsFingerprintAsync();
        var body = Definitions.TestServer("beta");
        body["name"] = name;

        var response = (await _rest.PostAsync("/api/backends", body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        response.ErrorFields.ShouldBe(["name"]);
        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("alpha")]
    [InlineData("ALPHA")]
    public async Task Register_WhenTheNameIsTaken_Answers409AndWritesNothing(string name)
    {
        var before = await _rest.BackendsFingerprintAsync();

        var response = (await _rest.PostAsync("/api/backends", Definitions.TestServer(name))).ShouldBeProblem(HttpStatusCode.Conflict);

        response.Str("code").ShouldBe("duplicate_name");
        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Register_WhenAnHttpBackendHasAStdioCommand_Answers400NamingTheCommandField()
    {
        var before = await _rest.BackendsFingerprintAsync();
        var body = new JsonObject { ["name"] = "web", ["type"] = "http", ["url"] = "http://127.0.0.1:1/mcp", ["command"] = "node" };

        var response = (await _rest.PostAsync("/api/backends", body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        response.ErrorFields.ShouldBe(["command"]);
        response.Json!["errors"]!["command"]![0]!.GetValue<string>().ShouldContain("not valid for a server of type http");
        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Register_WhenThePayloadIsOversized_Answers413AndWritesNothing()
    {
        var before = await _rest.BackendsFingerprintAsync();
        var body = Definitions.TestServer("beta");
        body["instructionOverride"] = new string('x', 300 * 1024);

        (await _rest.PostAsync("/api/backends", body)).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge);

        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Register_WhenAnOversizedBodyIsSentWithoutALength_Answers413AndWritesNothing()
    {
        var before = await _rest.BackendsFingerprintAsync();
        var body = Definitions.TestServer("beta");
        body["instructionOverride"] = new string('x', 300 * 1024);

        (await _rest.SendChunkedAsync("/api/backends", body.ToJsonString())).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge);

        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("{\"name\": \"beta\", ")]
    [InlineData("[1, 2]")]
    [InlineData("{\"name\": \"beta\", \"command\": \"node\", \"args\": \"not-an-array\"}")]
    [InlineData("")]
    public async Task Register_WhenTheBodyIsNotTheExpectedJson_Answers400AndWritesNothing(string body)
    {
        var before = await _rest.BackendsFingerprintAsync();

        var response = (await _rest.SendRawAsync(HttpMethod.Post, "/api/backends", body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        response.Text.ShouldNotContain("RegisterBackendCommand");
        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Update_WhenTheBodyNamesTheBackend_Answers400BecauseTheNameComesFromTheUrl()
    {
        var before = await _rest.BackendsFingerprintAsync();
        var body = Definitions.TestServer("alpha");
        body["expectedVersion"] = 1;

        (await _rest.PutAsync("/api/backends/alpha", body)).ShouldBeProblem(HttpStatusCode.BadRequest);

        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Register_WhenTheBodyIsNotJson_Answers415ProblemDetails()
    {
        var before = await _rest.BackendsFingerprintAsync();
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };

        using var response = await http.PostAsync("/api/backends", new StringContent("name=beta", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await _rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Get_WhenTheBackendDoesNotExist_Answers404()
    {
        var response = (await _rest.GetAsync("/api/backends/ghost")).ShouldBeProblem(HttpStatusCode.NotFound);

        response.Str("detail")!.ShouldContain("ghost");
    }

    [Fact]
    public async Task Get_WhenTheBackendDoesNotExist_AndTheClientAcceptsNoJson_StillAnswers404ProblemDetails()
    {
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/backends/ghost");
        request.Headers.Accept.ParseAdd("text/plain");

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadAsStringAsync()).ShouldContain("ghost");
    }

    [Fact]
    public async Task EnableDisable_WhenTheNameIsATraversal_Answers400()
    {
        (await _rest.PostAsync("/api/backends/..%2F..%2Fetc/enable")).ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("web and", 8)]
    [InlineData("web ) db", 5)]
    public async Task CreatePreset_WhenTheExpressionIsInvalid_Answers400WithThePosition(string expression, int position)
    {
        var before = await _rest.PresetsFingerprintAsync();

        var response = (await _rest.PostAsync("/api/presets", new JsonObject { ["name"] = "broken", ["expression"] = expression }))
            .ShouldBeProblem(HttpStatusCode.BadRequest);

        response.Json!["errors"]!["expression"]![0]!.GetValue<string>().ShouldContain($"position {position}");
        (await _rest.PresetsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task CreatePreset_WhenTheBodyIsBad_Answers400AndWritesNothing()
    {
        var before = await _rest.PresetsFingerprintAsync();

        (await _rest.PostAsync("/api/presets", new JsonObject { ["name"] = "p", ["expression"] = "web", ["colour"] = "red" })).ShouldBeProblem(HttpStatusCode.BadRequest);
        (await _rest.PostAsync("/api/presets", new JsonObject { ["name"] = "a/b", ["expression"] = "web" })).ShouldBeProblem(HttpStatusCode.BadRequest).ErrorFields.ShouldBe(["name"]);
        (await _rest.PostAsync("/api/presets", new JsonObject { ["name"] = "p", ["expression"] = new string('a', 300 * 1024) })).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge);

        (await _rest.PresetsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task UpdatePreset_WhenTheBodyIsNullOrNamesThePreset_Answers400AndChangesNothing()
    {
        (await _rest.PostAsync("/api/presets", new JsonObject { ["name"] = "fixed", ["expression"] = "web" })).Status.ShouldBe(HttpStatusCode.Created);
        var before = await _rest.PresetsFingerprintAsync();

        (await _rest.PutAsync("/api/presets/fixed", new JsonObject { ["name"] = "fixed", ["expression"] = "db", ["expectedVersion"] = 1 })).ShouldBeProblem(HttpStatusCode.BadRequest);
        (await _rest.SendRawAsync(HttpMethod.Put, "/api/presets/fixed", "null")).ShouldBeProblem(HttpStatusCode.BadRequest);
        (await _rest.PutAsync("/api/presets/fixed", new JsonObject { ["expression"] = "db" })).ShouldBeProblem(HttpStatusCode.BadRequest).ErrorFields.ShouldBe(["expectedVersion"]);

        (await _rest.PresetsFingerprintAsync()).ShouldBe(before);
        (await _rest.DeleteAsync("/api/presets/fixed")).Status.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task OpenApi_WhenRequested_DescribesTheControlPlane()
    {
        var document = await _rest.GetAsync("/openapi/v1.json");

        document.Status.ShouldBe(HttpStatusCode.OK);
        var paths = document.Json!["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.ShouldContain("/api/backends");
        paths.ShouldContain("/api/backends/{name}");
        paths.ShouldContain("/api/backends/{name}/enable");
        paths.ShouldContain("/api/presets/{name}");
    }

    public void Dispose() => _rest.Dispose();
}
