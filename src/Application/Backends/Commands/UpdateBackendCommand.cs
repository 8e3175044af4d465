using MediatR;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Backends.Commands;

/// <summary>
/// Replaces the definition of an API backend (config backends are edited in mcp.json). The caller says which
/// version it edited; a stale edit is refused with <see cref="ConcurrencyConflictException"/>.
/// </summary>
public sealed record UpdateBackendCommand(string Name, BackendEdit Edit) : IRequest<BackendView>;
