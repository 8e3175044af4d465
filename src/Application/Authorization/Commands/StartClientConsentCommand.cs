using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// Opens the decision a signed-in user makes on the consent page: <paramref name="RequestedScopes"/> are the scopes
/// the page offers (the user approves some or all of them, never another). <paramref name="ParametersDigest"/> pins
/// the OAuth request the page was shown for: a form posted back with other parameters is refused. With
/// <paramref name="RequiresAdministrator"/> (tags the user may not grant alone) an administrator decides instead.
/// <paramref name="RedirectUri"/> is where the browser returns with the answer (an administrator sees its host).
/// </summary>
public sealed record StartClientConsentCommand(
    string Subject, string ClientId, string ClientName, IReadOnlyList<string> RequestedScopes, string ParametersDigest,
    bool RequiresAdministrator = false, string? RedirectUri = null) : IRequest<Guid>;
