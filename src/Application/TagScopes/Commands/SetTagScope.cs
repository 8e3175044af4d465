using FluentValidation;
using FluentValidation.Results;
using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.TagScopes.Queries;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;

namespace OneMcp.Application.TagScopes.Commands;

/// <summary>
/// Sets a tag's description and who may grant it, creating its stored scope on first use. Under
/// <see cref="GrantPolicy.NamedUsers"/> every named user must exist (stored with the name's own spelling).
/// </summary>
public sealed record SetTagScopeCommand(string Tag, TagScopeEdit? Edit) : IRequest<TagScopeView>;

/// <summary>The body of <c>PUT /api/tag-scopes/{tag}</c>; a missing description leaves the current one.</summary>
public sealed record TagScopeEdit
{
    public string? Description { get; init; }

    public GrantPolicy? Policy { get; init; }

    public IReadOnlyList<string>? AllowedUsers { get; init; }
}

public sealed class SetTagScopeValidator : AbstractValidator<SetTagScopeCommand>
{
    public SetTagScopeValidator() =>
        RuleFor(c => c).Custom((command, context) =>
        {
            if (!Tag.TryParse(command.Tag, out _, out var tagProblem))
            {
                context.AddFailure(new ValidationFailure("tag", tagProblem));
            }

            if (command.Edit is not { } edit)
            {
                context.AddFailure(new ValidationFailure("body", "The request needs a body with the tag's 'policy'."));
                return;
            }

            if (edit.Description is { } description && description.Trim().Length > TagScope.MaxDescriptionLength)
            {
                context.AddFailure(new ValidationFailure("description", $"A tag description must be at most {TagScope.MaxDescriptionLength} characters."));
            }

            if (edit.Policy is not { } policy || !Enum.IsDefined(policy))
            {
                context.AddFailure(new ValidationFailure("policy", "The policy must be 'allUsers', 'adminsOnly' or 'namedUsers'."));
                return;
            }

            var users = (edit.AllowedUsers ?? []).Where(u => !string.IsNullOrWhiteSpace(u)).ToList();
            if (policy == GrantPolicy.NamedUsers && users.Count == 0)
            {
                context.AddFailure(new ValidationFailure("allowedUsers", "Name at least one user who may grant this tag, or restrict it to administrators."));
            }
            else if (policy != GrantPolicy.NamedUsers && users.Count > 0)
            {
                context.AddFailure(new ValidationFailure("allowedUsers", "'allowedUsers' applies only to the 'namedUsers' policy."));
            }
        });
}

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

        Apply(scope, edit.Policy!.Value, allowed, now);

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

    internal static void Apply(TagScope scope, GrantPolicy policy, IReadOnlyList<string> allowedUsers, DateTimeOffset now)
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
                scope.RestrictToUsers(allowedUsers, now);
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
