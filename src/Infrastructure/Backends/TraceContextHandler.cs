using System.Diagnostics;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Puts the trace context of the current span on each request to an HTTP backend (<c>traceparent</c> and
/// <c>tracestate</c>, through .NET's <see cref="DistributedContextPropagator.Current"/>): while a call is traced that is
/// the gateway's backend span, the one exported, so the backend's own spans hang off it, as they do through <c>_meta</c>.
/// </summary>
/// <remarks>
/// It stands in for .NET's own propagation, which the backends' connection pool turns off
/// (<see cref="SocketsHttpHandler.ActivityHeadersPropagator"/> null): that one starts an activity of its own per request
/// whenever any activity is current, and sends that activity's id, a span nobody exports, as the backend's parent. A
/// header the request already carries (a backend's configured headers) is left as it is.
/// </remarks>
internal sealed class TraceContextHandler : DelegatingHandler
{
    private static readonly DistributedContextPropagator.PropagatorSetterCallback SetHeader = static (carrier, name, value) =>
    {
        if (carrier is HttpRequestMessage request && value is not null && !request.Headers.Contains(name))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    };

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Inject(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Inject(request);
        return base.Send(request, cancellationToken);
    }

    private static void Inject(HttpRequestMessage request)
    {
        if (Activity.Current is { } current)
        {
            DistributedContextPropagator.Current.Inject(current, request, SetHeader);
        }
    }
}
