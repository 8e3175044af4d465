using MediatR;

namespace OneMcp.Application.Backends.Queries;

/// <summary>Every stored backend (mcp.json and API), ordered by name, with its live state.</summary>
/// <param name="FlagUntagged">Under scope validation: mark backends without a tag, which no token can reach.</param>
public sealed record ListBackendsQuery(bool FlagUntagged = false) : IRequest<IReadOnlyList<BackendView>>;
