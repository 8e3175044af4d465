using FluentValidation;
using FluentValidation.Results;
using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.TagScopes.Queries;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;

namespace OneMcp.Application.TagScopes.Commands;

public sealed class SetTagScopeHandler(ITagScopeRepository repository, IUserRepository users, IBackendPool pool, TimeProvider time)
    : IRequestHandler<SetTagScopeCommand, TagScopeView>
{
    public async Task<TagScopeView> Handle(SetTagScopeCommand request, CancellationToken cancellationToken)
    {
        var tag = Tag.From(request.Tag);
        var edit = request.Edit!;
        var allowed = await ResolveUsersAsync(edit, cancellationToken);
        var now = time.GetUtcNow();
        var scope = await repository.FindAsync(tag, cancellationToken);
        var created = scope is null;
        scope ??= TagScope.Create(tag, now);

        if (edit.Description is not null)
        {
            scope.Describe(edit.Description, now);
        }

        Apply(scope, edit.Policy!.Value, allowed, edit.AllowedGroups ?? [], now);

        // A concurrent change (or a concurrent first PUT of the same tag) surfaces as 409 from the repository.
        if (created)
        {
            await repository.AddAsync(scope, cancellationToken);
        }
        else
        {
            await repository.UpdateAsync(scope, cancellationToken);
        }

        return TagScopeView.From(scope, ListTagScopesHandler.BackendsCarrying(pool, tag));
    }

    internal static void Apply(TagScope scope, GrantPolicy policy, IReadOnlyList<string> allowedUsers, IReadOnlyList<string> allowedGroups, DateTimeOffset now)
    {
        switch (policy)
        {
            case GrantPolicy.AllUsers:
                scope.OpenToAllUsers(now);
                break;
            case GrantPolicy.AdminsOnly:
                scope.RestrictToAdmins(now);
                break;
            case GrantPolicy.NamedUsers:
                scope.RestrictToUsers(allowedUsers, allowedGroups, now);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, "The validator lets only known policies through.");
        }
    }

    private async Task<IReadOnlyList<string>> ResolveUsersAsync(TagScopeEdit edit, CancellationToken cancellationToken)
    {
        if (edit.Policy != GrantPolicy.NamedUsers)
        {
            return [];
        }

        var names = new List<string>();
        var failures = new List<ValidationFailure>();
        foreach (var name in (edit.AllowedUsers ?? []).Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim()))
        {
            var user = User.IsValidUserName(name) ? await users.FindByNameAsync(name, cancellationToken) : null;
            if (user is null)
            {
                failures.Add(new ValidationFailure("allowedUsers", $"No user named '{name}' exists."));
            }
            else
            {
                names.Add(user.UserName);
            }
        }

        return failures.Count > 0 ? throw new ValidationException(failures) : names;
    }
}
