using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.TestServer.Tools;

/// <summary>Tools that make the server emit notifications on demand.</summary>
[McpServerToolType]
internal sealed class NotificationTools(ServerState state)
{
    [McpServerTool(Name = "add_tool")]
    [Description("Registers a new tool that echoes its message argument, and announces the change.")]
    public static string AddTool(McpServer server, [Description("Name of the new tool.")] string name)
    {
        // The options (and so the tool collection) are shared by every session of this process, so the tool is
        // server-wide; the SDK sends notifications/tools/list_changed to each live session when the collection changes.
        var tools = server.ServerOptions.ToolCollection
            ?? throw new McpProtocolException("the server has no tool collection", McpErrorCode.InternalError);

        var tool = McpServerTool.Create(
            ([Description("Text to echo back.")] string message) => message,
            new McpServerToolCreateOptions { Name = name, Description = "dynamic tool" });

        return tools.TryAdd(tool) ? $"added {name}" : $"tool {name} already exists";
    }

    [McpServerTool(Name = "log")]
    [Description("Sends a notifications/message log entry to the client.")]
    public async Task<string> Log(
        McpServer server,
        [Description("MCP logging level: debug, info, notice, warning, error, critical, alert or emergency.")] string level,
        [Description("Log message, sent as the notification data.")] string message,
        CancellationToken cancellationToken,
        [Description("Then hold the call open this many milliseconds (cancellable), so the log is seen before any answer.")] int thenWaitMs = 0)
    {
        if (!Enum.TryParse<LoggingLevel>(level, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
        {
            throw new McpProtocolException($"unknown logging level '{level}'", McpErrorCode.InvalidParams);
        }

        // Sent regardless of logging/setLevel so tests get a deterministic notification.
        await server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams
            {
                Level = parsed,
                Logger = state.Name,
                Data = JsonSerializer.SerializeToElement(message, McpJsonUtilities.DefaultOptions),
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);

        if (thenWaitMs > 0)
        {
            await Task.Delay(thenWaitMs, cancellationToken).ConfigureAwait(false);
        }

        return $"logged at {level}";
    }

    [McpServerTool(Name = "touch_resource")]
    [Description("Sends notifications/resources/updated for the given URI.")]
    public static async Task<string> TouchResource(
        McpServer server,
        [Description("URI of the resource reported as updated.")] string uri,
        CancellationToken cancellationToken)
    {
        await server.SendNotificationAsync(
            NotificationMethods.ResourceUpdatedNotification,
            new ResourceUpdatedNotificationParams { Uri = uri },
            cancellationToken: cancellationToken).ConfigureAwait(false);

        return $"touched {uri}";
    }
}
