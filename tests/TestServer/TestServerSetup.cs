using ModelContextProtocol.Protocol;
using OneMcp.TestServer.Prompts;
using OneMcp.TestServer.Resources;
using OneMcp.TestServer.Tools;

namespace OneMcp.TestServer;

/// <summary>Registration shared by the stdio and HTTP hosts, so both transports expose the same server.</summary>
internal static class TestServerSetup
{
    public static IMcpServerBuilder AddTestMcpServer(this IServiceCollection services, ServerSettings settings)
    {
        var state = new ServerState(settings);
        services.AddSingleton(state);

        var mcp = services
            .AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation { Name = settings.Name, Version = "1.0.0" };
                options.ServerInstructions = settings.Instructions;

                // The SDK would infer most of this from the registered primitives; spelling it out keeps the
                // advertised capabilities obvious to whoever reads the gateway tests.
                options.Capabilities = new ServerCapabilities
                {
                    Tools = new ToolsCapability { ListChanged = true },
                    Resources = new ResourcesCapability { ListChanged = true, Subscribe = true },
                    Prompts = new PromptsCapability { ListChanged = true },
                    Logging = new LoggingCapability(),
                    Completions = new CompletionsCapability(),
                };
            })
            .WithTools<BasicTools>()
            .WithTools<TimingTools>()
            .WithTools<ClientRequestTools>()
            .WithTools<NotificationTools>()
            .WithTools<TraceTools>()
            .WithTools<CredentialTools>()
            .WithResources<TestResources>()
            .WithPrompts<TestPrompts>()
            .WithCompleteHandler(Completions.CompleteAsync)
            .WithMessageFilters(filters => filters.AddOutgoingFilter(next => async (context, cancellationToken) =>
            {
                await next(context, cancellationToken);
                if (state.CrashAfterAnswerTo is { } crash && context.JsonRpcMessage is JsonRpcMessageWithId answer && answer.Id.Equals(crash))
                {
                    // Off the sending thread: exiting runs the host's shutdown, which waits for the sends to finish.
                    // A short grace lets an HTTP response complete; a stdio answer is already in the pipe.
                    _ = Task.Run(async () =>
                    {
                        await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                        Environment.Exit(1);
                    }, CancellationToken.None);
                }
            }))
            // The test resources read the same for every caller: a 2026-07-28 client is told so (the SDK's default is
            // private), so what the gateway's tests see is the gateway's own cache scope.
            .WithRequestFilters(filters => filters.AddReadResourceFilter(next => async (context, cancellationToken) =>
            {
                var result = await next(context, cancellationToken);
                if (context.Params?.Uri == TestResourceUris.UnnamedItem)
                {
                    foreach (var content in result.Contents)
                    {
                        content.Uri = string.Empty;
                    }
                }

                if (string.CompareOrdinal(context.JsonRpcRequest.Context?.ProtocolVersion, "2026-07-28") >= 0)
                {
                    result.CacheScope ??= CacheScope.Public;
                }

                return result;
            }))
            // Subscriptions only need to be accepted: updates are pushed on demand by the touch_resource tool.
            .WithSubscribeToResourcesHandler((_, _) => ValueTask.FromResult(new EmptyResult()))
            .WithUnsubscribeFromResourcesHandler((_, _) => ValueTask.FromResult(new EmptyResult()))
            // The SDK records the level itself; the handler exists so the capability is unambiguous.
            .WithSetLoggingLevelHandler((_, _) => ValueTask.FromResult(new EmptyResult()));
        return settings.Resumable || settings.ReportRequestIds ? mcp.WithTools<RequestIdTools>() : mcp;
    }

    /// <summary>
    /// stdout carries the stdio protocol and the HTTP LISTENING handshake line, so every log line goes to stderr.
    /// </summary>
    public static void ConfigureStderrLogging(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(LogLevel.Warning);
    }
}
