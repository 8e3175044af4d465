using MediatR;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// The user behind a sign-in cookie or a token, read again on every use: a deleted or disabled user, a changed
/// role or a changed password (<see cref="UserAccount.PasswordStamp"/>) must take effect at once.
/// </summary>
public sealed record GetUserAccountQuery(Guid UserId) : IRequest<UserAccount?>;
