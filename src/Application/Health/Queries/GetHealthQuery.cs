using MediatR;

namespace OneMcp.Application.Health.Queries;

public sealed record GetHealthQuery : IRequest<HealthReport>;
