using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>The waiting consent page asks whether an administrator decided; an approval is collected once.</summary>
public sealed record CollectClientConsentCommand(Guid RequestId, string Subject, string ClientId, string ParametersDigest) : IRequest<WaitingConsent>;
