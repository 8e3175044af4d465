using MediatR;
using OneMcp.Application.Authorization;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed class SetPasswordHandler(IUserRepository repository, IPasswordHasher hasher, IOAuthGrantDirectory grants, TimeProvider time)
    : IRequestHandler<SetPasswordCommand, Unit>
{
    public async Task<Unit> Handle(SetPasswordCommand request, CancellationToken cancellationToken)
    {
        var user = await repository.FindByNameAsync(request.UserName, cancellationToken)
            ?? throw new NotFoundException("user", request.UserName);
        user.SetPasswordHash(hasher.Hash(request.Password), time.GetUtcNow());
        await repository.UpdateAsync(user, cancellationToken);
        await grants.RevokeSubjectAsync(user.Id.ToString(), cancellationToken);
        return Unit.Value;
    }
}
