using MediatR;

namespace OneMcp.Application.Health.Queries;

/// <summary>
/// The gateway's health with every backend's state. <see cref="ForMember"/>: for a signed-in user without the admin
/// role, whose errors lose what says how a backend is started (<see cref="Backends.BackendErrorRedaction"/>).
/// </summary>
public sealed record GetHealthQuery : IRequest<HealthReport>
{
    public bool ForMember { get; init; }
}
