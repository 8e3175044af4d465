using Microsoft.Extensions.Logging;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// One line per refused OAuth request (error and description only), since OpenIddict's own request logs are
/// silenced: they would print the PKCE verifier.
/// </summary>
internal sealed partial class LogRejectedRequestsHandler(ILogger<LogRejectedRequestsHandler> logger) :
    IOpenIddictServerHandler<ApplyAuthorizationResponseContext>,
    IOpenIddictServerHandler<ApplyTokenResponseContext>,
    IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
            .UseSingletonHandler<LogRejectedRequestsHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<LogRejectedRequestsHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
            .UseSingletonHandler<LogRejectedRequestsHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public ValueTask HandleAsync(ApplyAuthorizationResponseContext context) => Log("authorization", context.Response?.Error, context.Response?.ErrorDescription, context.Request?.ClientId);

    public ValueTask HandleAsync(ApplyTokenResponseContext context) => Log("token", context.Response?.Error, context.Response?.ErrorDescription, context.Request?.ClientId);

    public ValueTask HandleAsync(ApplyRevocationResponseContext context) => Log("revocation", context.Response?.Error, context.Response?.ErrorDescription, context.Request?.ClientId);

    private ValueTask Log(string endpoint, string? error, string? description, string? clientId)
    {
        if (!string.IsNullOrEmpty(error))
        {
            LogRejected(logger, endpoint, clientId ?? "(none)", error, description ?? string.Empty);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an OAuth {Endpoint} request of client {ClientId}: {Error} ({Description})")]
    private static partial void LogRejected(ILogger logger, string endpoint, string clientId, string error, string description);
}
