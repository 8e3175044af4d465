using FluentValidation;
using FluentValidation.Results;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections.Commands;

public sealed class SetMySecretsValidator : AbstractValidator<SetMySecretsCommand>
{
    /// <summary>The longest value accepted: room for any API key or token, not for a file.</summary>
    public const int MaxValueLength = 4096;

    public SetMySecretsValidator(IBackendPool pool)
    {
        this.AddPerUserBackendRule(c => c.Backend, pool);
        RuleFor(c => c).Custom((command, context) =>
        {
            if (command.Values is not { Count: > 0 } values)
            {
                context.AddFailure(new ValidationFailure("body", "Give at least one secret: {\"NAME\": \"value\"}."));
                return;
            }

            // Only a per-user backend of the pool has names to check against; the other cases are reported above or answered 404.
            var perUser = ServerName.TryValidate(command.Backend, out _) && pool.TryGet(ServerName.From(command.Backend), out var backend) && backend.Settings.IsPerUser
                ? backend.Settings
                : null;
            var referenced = perUser is null ? null : UserSecretReferences.In(perUser);

            // A failure never carries the attempted value: it is a secret.
            foreach (var (name, value) in values)
            {
                if (referenced is not null && !referenced.Contains(name, StringComparer.Ordinal))
                {
                    context.AddFailure(new ValidationFailure(name, referenced.Count == 0
                        ? $"The backend '{command.Backend}' references no secret."
                        : $"The backend '{command.Backend}' does not reference '{name}'; it references {string.Join(", ", referenced)}."));
                }
                else if (string.IsNullOrEmpty(value))
                {
                    context.AddFailure(new ValidationFailure(name, "The value must not be empty (Disconnect removes your secrets)."));
                }
                else if (value.Length > MaxValueLength)
                {
                    context.AddFailure(new ValidationFailure(name, $"The value must be at most {MaxValueLength} characters."));
                }
                else if (value.Contains('\0', StringComparison.Ordinal))
                {
                    context.AddFailure(new ValidationFailure(name, "The value contains a NUL character, which a header or environment value cannot hold."));
                }
                else if (perUser is HttpBackendSettings && value.AsSpan().IndexOfAny('\r', '\n') >= 0)
                {
                    // The secret goes into a header, which cannot carry a line break: refused here, not at each request.
                    context.AddFailure(new ValidationFailure(name, "The value contains a line break (CR or LF), which an HTTP header value cannot hold."));
                }
            }
        });
    }
}
