using FluentValidation;
using FluentValidation.Results;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;

namespace OneMcp.Application.TagScopes.Commands;

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
            var groups = edit.AllowedGroups ?? [];
            if (policy == GrantPolicy.NamedUsers && users.Count == 0 && groups.Count == 0)
            {
                context.AddFailure(new ValidationFailure("allowedUsers", "Name at least one user or group who may grant this tag, or restrict it to administrators."));
            }
            else if (policy != GrantPolicy.NamedUsers && users.Count > 0)
            {
                context.AddFailure(new ValidationFailure("allowedUsers", "'allowedUsers' applies only to the 'namedUsers' policy."));
            }

            if (policy != GrantPolicy.NamedUsers && groups.Count > 0)
            {
                context.AddFailure(new ValidationFailure("allowedGroups", "'allowedGroups' applies only to the 'namedUsers' policy."));
            }
            else if (groups.Count > TagScope.MaxGroups)
            {
                context.AddFailure(new ValidationFailure("allowedGroups", $"Name at most {TagScope.MaxGroups} groups."));
            }
            else
            {
                // Groups live in the identity provider: they are checked for shape only, never against a list.
                for (var i = 0; i < groups.Count; i++)
                {
                    if (!TagScope.IsValidGroupName(groups[i]))
                    {
                        context.AddFailure(new ValidationFailure(
                            "allowedGroups", $"Group {i + 1} is not a group name: a group has 1 to {TagScope.MaxGroupLength} characters and no control characters."));
                    }
                }
            }
        });
}
