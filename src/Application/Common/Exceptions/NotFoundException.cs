namespace OneMcp.Application.Common.Exceptions;

/// <summary>A use case was asked about something that does not exist; the API answers 404.</summary>
public sealed class NotFoundException(string resource, string name)
    : Exception($"No {resource} named '{name}' exists.")
{
    public string Resource { get; } = resource;

    public string Name { get; } = name;
}
