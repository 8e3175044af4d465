using MediatR;

namespace OneMcp.Application.Gateway.Filtering.Queries;

/// <summary>
/// The tag filter of a session about to open, from the parameters of its URL (<c>tags</c>, <c>tag-filter</c> or
/// <c>preset</c>, each given at most once); a preset is looked up by name. A bad filter throws
/// <see cref="SessionFilterException"/>, whose message is meant for the client.
/// </summary>
public sealed record ResolveSessionFilterQuery(string? Tags, string? TagFilter, string? Preset) : IRequest<SessionFilter>;
