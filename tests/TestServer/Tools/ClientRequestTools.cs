using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>Tools that issue server-to-client requests, which the gateway must route back to the right client.</summary>
[McpServerToolType]
internal sealed class ClientRequestTools
{
    [McpServerTool(Name = "sample")]
    [Description("Asks the client to sample an LLM completion for the prompt.")]
    public static async Task<string> Sample(
        McpServer server,
        [Description("User prompt to send to the client.")] string prompt,
        CancellationToken cancellationToken)
    {
        var result = await server.SampleAsync(
            new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
                MaxTokens = 100,
            },
            cancellationToken).ConfigureAwait(false);

        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(block => block.Text));
        return $"sampled: {text}";
    }

    [McpServerTool(Name = "elicit")]
    [Description("Asks the client to elicit a single string answer from the user.")]
    public static async Task<string> Elicit(
        McpServer server,
        [Description("Message shown to the user.")] string message,
        CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = message,
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties = { ["answer"] = new ElicitRequestParams.StringSchema { Description = "The answer." } },
                },
            },
            cancellationToken).ConfigureAwait(false);

        var answer = result.Content is { } content && content.TryGetValue("answer", out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

        // Declined and cancelled elicitations carry no content, so there is no answer to append.
        return answer is null ? $"elicited: {result.Action}" : $"elicited: {result.Action} {answer}";
    }

    [McpServerTool(Name = "list_roots")]
    [Description("Asks the client for its roots and returns their URIs, one per line.")]
    public static async Task<string> ListRoots(McpServer server, CancellationToken cancellationToken)
    {
        var result = await server.RequestRootsAsync(new ListRootsRequestParams(), cancellationToken).ConfigureAwait(false);
        return string.Join('\n', result.Roots.Select(root => root.Uri));
    }
}
