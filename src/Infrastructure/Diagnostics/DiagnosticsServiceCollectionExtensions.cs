using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OneMcp.Infrastructure.Diagnostics;

/// <summary>
/// Traces and metrics (DESIGN §9, ADR 0014): the gateway's meter and sources always, the Prometheus reader with
/// <c>--metrics</c>, and OpenTelemetry over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (otherwise no
/// listener exists and the gateway's sources cost a null check). The HTTP side (incoming requests, <c>/metrics</c>)
/// is the host's.
/// </summary>
public static class DiagnosticsServiceCollectionExtensions
{
    /// <summary>The environment variable of the standard OTLP exporter; its presence turns export on.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <param name="services">The gateway's services.</param>
    /// <param name="prometheus">Whether <see cref="PrometheusMetrics"/> is registered (<c>--metrics</c>).</param>
    /// <param name="environment">Reads the OTLP variable.</param>
    /// <param name="tracing">Adds the traced sources, <see cref="AddGatewaySources"/> and the host's own.</param>
    public static IServiceCollection AddGatewayDiagnostics(
        this IServiceCollection services, bool prometheus, Func<string, string?> environment, Action<TracerProviderBuilder> tracing)
    {
        ArgumentNullException.ThrowIfNull(environment);
        services.AddMetrics();
        services.AddSingleton<GatewayTelemetry>();
        if (prometheus)
        {
            services.AddSingleton<PrometheusMetrics>();
        }

        if (!string.IsNullOrWhiteSpace(environment(OtlpEndpointVariable)))
        {
            // The exporter reads the endpoint, protocol and headers from the standard OTEL_* variables itself.
            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("onemcp", serviceVersion: Application.Health.Queries.GetHealthHandler.Version))
                .WithTracing(builder =>
                {
                    tracing(builder);
                    builder.AddOtlpExporter();
                })
                .WithMetrics(metrics => metrics.AddMeter(GatewayTelemetry.Name).AddOtlpExporter());
        }

        return services;
    }

    /// <summary>
    /// The gateway's own spans: a request span and its backend-call child per forwarded call. The MCP SDK's spans and
    /// the HTTP client's would only repeat them (ADR 0014); HTTP backends still get the backend span as
    /// <c>traceparent</c>, from <c>TraceContextHandler</c>.
    /// </summary>
    public static TracerProviderBuilder AddGatewaySources(this TracerProviderBuilder tracing) =>
        tracing
            .AddSource(GatewayTelemetry.Name);
}
