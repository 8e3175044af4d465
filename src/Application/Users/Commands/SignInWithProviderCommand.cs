using MediatR;
using OneMcp.Application.Authorization;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Signs in a user the identity provider has vouched for (its answer already validated): creates them at their first
/// sign-in, refreshes their role and groups at every one, and refuses a locally disabled user or an e-mail domain
/// outside the allow-list. A sign-in that takes tags away from the user (a group left, a demotion) revokes their grants
/// that hold or reach those tags (ADR 0050); <paramref name="Match"/> and <paramref name="ScopeValidation"/> say what a
/// grant reaches.
/// </summary>
/// <param name="Identity">Who the provider says signed in.</param>
/// <param name="Match">How granted tags select backends (<c>--scope-match</c>).</param>
/// <param name="ScopeValidation">Whether scopes limit what a token reaches (<c>--enable-scope-validation</c>).</param>
public sealed record SignInWithProviderCommand(ProviderIdentity Identity, ScopeMatch Match, bool ScopeValidation) : IRequest<SignInResult>;
