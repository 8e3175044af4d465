using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// Which of a gateway's test-server backends one client reaches, request by request: listed in tools/list,
/// resources/list, resources/templates/list and prompts/list, and answered by tools/call, resources/read (a static
/// resource and a templated one), prompts/get and completion/complete. A request for a backend out of reach must fail
/// exactly like the same request for a backend that does not exist (same code, same message but for the name), or
/// <see cref="OfAsync"/> fails the test.
/// </summary>
internal sealed class SurfaceReach
{
    private const string Unknown = "zz";
    private readonly SortedDictionary<string, List<string>> _byRequest = new(StringComparer.Ordinal);

    private SurfaceReach()
    {
    }

    /// <summary>Each request and the backends it reached, comma-separated and in order.</summary>
    public IReadOnlyDictionary<string, string> ByRequest =>
        _byRequest.ToDictionary(p => p.Key, p => string.Join(",", p.Value.Order(StringComparer.Ordinal)), StringComparer.Ordinal);

    /// <summary>Asks every request about every one of <paramref name="servers"/> (backends of the in-repo test server).</summary>
    public static async Task<SurfaceReach> OfAsync(McpClient client, IEnumerable<string> servers)
    {
        var reach = new SurfaceReach();
        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var resources = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();
        var templates = (await client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ToList();
        var prompts = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();
        foreach (var server in servers)
        {
            reach.Note("tools/list", server, tools.Contains(server + "_1mcp_echo"));
            reach.Note("resources/list", server, resources.Contains(server + "_1mcp_test://static/info"));
            reach.Note("resources/templates/list", server, templates.Contains(server + "_1mcp_test://items/{id}"));
            reach.Note("prompts/list", server, prompts.Contains(server + "_1mcp_greeting"));

            reach.Note("tools/call", server, await AnsweredAsync(server, async s =>
            {
                var result = await client.CallToolAsync(s + "_1mcp_echo", new Dictionary<string, object?> { ["message"] = "hi" });
                result.IsError.ShouldNotBe(true);
                result.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("hi");
            }));
            reach.Note("resources/read", server, await AnsweredAsync(server, async s =>
                (await client.ReadResourceAsync(s + "_1mcp_test://static/info")).Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("info from " + s)));
            reach.Note("resources/read (template)", server, await AnsweredAsync(server, async s =>
                (await client.ReadResourceAsync(s + "_1mcp_test://items/7")).Contents.OfType<TextResourceContents>().Single().Text.ShouldBe($"item 7 from {s}")));
            reach.Note("prompts/get", server, await AnsweredAsync(server, async s =>
                (await client.GetPromptAsync(s + "_1mcp_greeting", new Dictionary<string, object?> { ["name"] = "Ada" }))
                    .Messages.Single().Content.ShouldBeOfType<TextContentBlock>().Text.ShouldBe($"Hello, Ada! (from {s})")));
            reach.Note("completion/complete", server, await AnsweredAsync(server, async s =>
                (await client.CompleteAsync(new PromptReference { Name = s + "_1mcp_greeting" }, "name", "c")).Completion.Values.ShouldBe(["carol"])));
        }

        return reach;
    }

    /// <summary>Every request reached exactly <paramref name="expected"/> (comma-separated backend names, "" for none).</summary>
    public void ShouldReachEverywhere(string expected)
    {
        var wanted = string.Join(",", expected.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        ByRequest.Where(p => p.Value != wanted).Select(p => $"{p.Key} reached [{p.Value}]")
            .ShouldBeEmpty($"every request should reach [{wanted}]");
    }

    private void Note(string request, string server, bool reached)
    {
        if (!_byRequest.TryGetValue(request, out var list))
        {
            _byRequest[request] = list = [];
        }

        if (reached)
        {
            list.Add(server);
        }
    }

    // True when the request for the server was answered; false when it was refused exactly like the same request for
    // a backend that does not exist.
    private static async Task<bool> AnsweredAsync(string server, Func<string, Task> request)
    {
        McpProtocolException refused;
        try
        {
            await request(server);
            return true;
        }
        catch (McpProtocolException e)
        {
            refused = e;
        }

        var unknown = await Should.ThrowAsync<McpProtocolException>(() => request(Unknown));
        refused.ErrorCode.ShouldBe(unknown.ErrorCode, $"{server}: refused like an unknown backend");
        refused.Message.Replace(server + "_1mcp_", "NAME_1mcp_", StringComparison.Ordinal)
            .ShouldBe(unknown.Message.Replace(Unknown + "_1mcp_", "NAME_1mcp_", StringComparison.Ordinal), $"{server}: refused like an unknown backend");
        return false;
    }
}
