using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.TestServer.Resources;

namespace OneMcp.TestServer;

/// <summary>completion/complete for the items template and the greeting prompt.</summary>
internal static class Completions
{
    private static readonly string[] ItemIds = ["1", "2", "3", "10"];
    private static readonly string[] GreetingNames = ["alice", "bob", "carol"];

    public static ValueTask<CompleteResult> CompleteAsync(
        RequestContext<CompleteRequestParams> context,
        CancellationToken cancellationToken)
    {
        if (context.Params is not { } request)
        {
            return ValueTask.FromResult(new CompleteResult());
        }

        string[] candidates = (request.Ref, request.Argument.Name) switch
        {
            (ResourceTemplateReference { Uri: TestResourceUris.ItemTemplate }, "id") => ItemIds,
            (PromptReference { Name: "greeting" }, "name") => GreetingNames,
            _ => [],
        };

        var typed = request.Argument.Value ?? string.Empty;
        List<string> values = [.. candidates.Where(c => c.StartsWith(typed, StringComparison.Ordinal))];

        return ValueTask.FromResult(new CompleteResult
        {
            Completion = new Completion { Values = values, Total = values.Count, HasMore = false },
        });
    }
}
