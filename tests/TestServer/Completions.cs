using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.TestServer.Resources;

namespace OneMcp.TestServer;

/// <summary>
/// completion/complete for the items template and the greeting prompt. The greeting's argument <c>meta</c> completes
/// to the request's <c>_meta</c> as JSON: completions reach a backend through the SDK client, so gateway tests can
/// compare what a direct call carries with what the SDK client writes.
/// </summary>
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

        if (request is { Ref: PromptReference { Name: "greeting" }, Argument.Name: "meta" })
        {
            return ValueTask.FromResult(new CompleteResult
            {
                Completion = new Completion { Values = [request.Meta?.ToJsonString() ?? "null"], Total = 1, HasMore = false },
            });
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
