using FluentValidation;
using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// Whether the stored backend of this name has per-user credentials (false when there is none): the OAuth callback
/// completes the signed-in user's own connection for such a backend, the backend's shared flow otherwise.
/// </summary>
public sealed record IsPerUserBackendQuery(string Name) : IRequest<bool>;

public sealed class IsPerUserBackendHandler(IBackendServiceRepository backends) : IRequestHandler<IsPerUserBackendQuery, bool>
{
    public async Task<bool> Handle(IsPerUserBackendQuery request, CancellationToken cancellationToken) =>
        (await backends.FindByNameAsync(ServerName.From(request.Name), cancellationToken))?.Settings.IsPerUser == true;
}

public sealed class IsPerUserBackendValidator : AbstractValidator<IsPerUserBackendQuery>
{
    public IsPerUserBackendValidator() => this.AddServerNameRule(q => q.Name);
}
