using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OneMcp.Application.Audit;
using OneMcp.Application.Backends;
using OneMcp.Application.Common.Behaviours;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.Application;

public static class DependencyInjection
{
    public static IServiceCollection AddApplication(this IServiceCollection services)
    {
        // No audit store and no caller until the host provides them (a tool such as `onemcp users` has neither).
        services.TryAddSingleton<IAuditLog>(NullAuditLog.Instance);
        services.TryAddSingleton<ICurrentUser, NoCurrentUser>();

        // The data plane: plain singletons, no mediator on the per-call path.
        services.AddSingleton<Replication.ReplicaIdentity>();
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<InFlightRequests>();
        services.AddSingleton<Gateway.InputRequests.InputRequiredBridge>();
        services.AddSingleton<ResourceSubscriptions>();
        services.AddSingleton<CapabilityCatalog>();
        services.AddSingleton<GatewayEngine>();
        services.AddSingleton<SessionRouter>();
        services.AddSingleton<Gateway.Listening.ListenerRegistry>();
        services.AddSingleton<Gateway.Listening.ListenService>();
        services.AddSingleton<IBackendEventSink>(sp => sp.GetRequiredService<SessionRouter>());

        // The control plane: MediatR 5.1 has no AddMediatR, so it is wired here by hand.
        services.AddScoped<ServiceFactory>(sp => sp.GetRequiredService);
        services.AddScoped<IMediator, Mediator>();
        services.Scan(scan => scan
            .FromAssemblyOf<GatewayEngine>()
            .AddClasses(c => c.AssignableToAny(typeof(IRequestHandler<,>), typeof(INotificationHandler<>)))
            .AsImplementedInterfaces()
            .WithScopedLifetime()
            .AddClasses(c => c.AssignableTo(typeof(IValidator<>)))
            .AsImplementedInterfaces()
            .WithScopedLifetime());
        // Audit first (outermost): a request refused by validation is recorded as a failure too.
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(AuditBehaviour<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(ValidationBehaviour<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(Replication.ChangeFeedBehaviour<,>));
        services.AddScoped<Replication.ChangeFeedReactions>();

        // Stored backends and the running pool, kept in step (one gate per process).
        services.AddSingleton<BackendCatalogGate>();
        services.AddScoped<BackendCatalog>();

        // What follows a committed change to a user's connection to a per-user backend (release the instance here, tell the
        // other replicas; the store and the instances are Infrastructure's).
        services.AddSingleton<Connections.UserConnectionChanges>();
        return services;
    }
}
