using System.ComponentModel;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Prompts;

[McpServerPromptType]
internal sealed class TestPrompts(ServerState state)
{
    [McpServerPrompt(Name = "greeting")]
    [Description("Greets someone by name.")]
    public string Greeting([Description("Who to greet.")] string name) => $"Hello, {name}! (from {state.Name})";

    [McpServerPrompt(Name = "plain")]
    [Description("A prompt without arguments.")]
    public static string Plain() => "plain prompt";
}
