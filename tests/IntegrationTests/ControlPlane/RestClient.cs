using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>The gateway's REST API as a test talks to it: raw JSON in, status and parsed JSON out.</summary>
internal sealed class RestClient(GatewayUnderTest gateway) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = gateway.BaseUrl };

    public Task<RestResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<RestResponse> PostAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Post, path, body?.ToJsonString());

    public Task<RestResponse> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body.ToJsonString());

    public Task<RestResponse> PatchAsync(string path, JsonNode body) => SendAsync(HttpMethod.Patch, path, body.ToJsonString());

    public Task<RestResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    public Task<RestResponse> SendRawAsync(HttpMethod method, string path, string body) => SendAsync(method, path, body);

    /// <summary>POSTs <paramref name="body"/> with chunked transfer encoding (no Content-Length for the server to check first).</summary>
    public async Task<RestResponse> SendChunkedAsync(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RestResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }

    /// <summary>The stored backends' names (origin:name), to prove a refused request wrote nothing.</summary>
    public async Task<string> BackendsFingerprintAsync()
    {
        var list = await GetAsync("/api/backends");
        list.Status.ShouldBe(HttpStatusCode.OK);
        return list.Json!.ToJsonString();
    }

    public async Task<string> PresetsFingerprintAsync()
    {
        var list = await GetAsync("/api/presets");
        list.Status.ShouldBe(HttpStatusCode.OK);
        return list.Json!.ToJsonString();
    }

    public void Dispose() => _http.Dispose();

    private async Task<RestResponse> SendAsync(HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RestResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }
}

internal sealed record RestResponse(HttpStatusCode Status, string? MediaType, JsonNode? Json, string Text)
{
    public string? Str(string property) => Json?[property]?.GetValue<string>();

    public int Int(string property) => Json![property]!.GetValue<int>();

    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/>.</summary>
    public RestResponse ShouldBeProblem(HttpStatusCode status)
    {
        Status.ShouldBe(status, Text);
        MediaType.ShouldBe("application/problem+json", Text);
        Json!["status"]!.GetValue<int>().ShouldBe((int)status);
        return this;
    }

    public IReadOnlyList<string> ErrorFields => [.. Json!["errors"]!.AsObject().Select(kv => kv.Key)];
}

internal static class Definitions
{
    /// <summary>A registration body for an instance of the in-repo test server over stdio.</summary>
    public static JsonObject TestServer(string name, params string[] tags)
    {
        var entry = ConfigBuilder.StdioTestServer(name, tags.Length == 0 ? null : tags);
        entry["name"] = name;
        return entry;
    }
}
