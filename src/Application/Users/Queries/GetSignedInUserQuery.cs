using MediatR;

namespace OneMcp.Application.Users.Queries;

/// <summary>The user a sign-in cookie names, or null when that user was removed or disabled since.</summary>
public sealed record GetSignedInUserQuery(Guid UserId) : IRequest<SignedInUser?>;
