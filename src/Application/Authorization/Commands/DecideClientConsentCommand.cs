using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>The user's answer on the consent page: approve with the tags ticked, or deny. Decided once.</summary>
public sealed record DecideClientConsentCommand(
    Guid RequestId, string Subject, string ClientId, string ParametersDigest, bool Approve, IReadOnlyList<string> SelectedScopes) : IRequest<IReadOnlyList<string>>;
