using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>The settings a definition describes, or every problem with it.</summary>
public sealed record BackendDefinitionResult(BackendSettings? Settings, IReadOnlyList<BackendDefinitionError> Errors)
{
    public bool IsValid => Settings is not null && Errors.Count == 0;
}
