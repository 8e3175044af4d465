using MediatR;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Signs in a user the identity provider has vouched for (its answer already validated): creates them at their first
/// sign-in, refreshes their role and groups at every one, and refuses a locally disabled user or an e-mail domain
/// outside the allow-list.
/// </summary>
public sealed record SignInWithProviderCommand(ProviderIdentity Identity) : IRequest<SignInResult>;
